using System.CommandLine;
using System.Runtime.InteropServices;
using System.Text.Json;
using Capture.Format;

namespace Capture.Cli;

/// <summary>`capture merge A.tcap B.tcap … -o OUT.tcap`: one capture from many hosts and windows (CaptureMerger).</summary>
public static class MergeCommand
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase, WriteIndented = true };

    public static Command Create(VerbConsole console)
    {
        var files = new Argument<string[]>("files") { Description = "The capture files (.tcap) to merge: recordings of several hosts, windows, or merged captures.", Arity = ArgumentArity.OneOrMore };
        var output = new Option<string>("--output", "-o") { Description = "The merged capture file to write (or a device or FIFO).", Required = true };
        var json = new Option<bool>("--json") { Description = "Print the summary as one JSON object on stdout." };
        var command = new Command("merge", "Merge captures of several hosts or windows into one, time ordered, each connection keeping its host.") { files, output, json };
        command.SetAction(parsed => VerbRunner.Run(console, () =>
        {
            string[] inputs = parsed.GetValue(files)!;
            string target = parsed.GetValue(output)!;
            CheckPaths(inputs, target);
            var readers = new List<CaptureReader>(inputs.Length);
            try
            {
                foreach (string input in inputs)
                    readers.Add(CaptureReader.Open(InputFile.Require(input, "a capture file")));
                var merger = new CaptureMerger(readers);
                using var interrupted = new CancellationTokenSource();
                void OnSignal(PosixSignalContext context)
                {
                    context.Cancel = true; // stop merging and leave no partial file
                    interrupted.Cancel();
                }
                using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
                using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
                using var writer = CaptureWriter.CreateWhole(target, merger.Header);
                merger.WriteTo(writer, interrupted.Token);
                Report(target, merger, writer, readers, inputs, parsed.GetValue(json), console);
                return ExitCodes.Ok;
            }
            finally
            {
                foreach (var reader in readers)
                    reader.Dispose();
            }
        }));
        return command;
    }

    /// <summary>The output must not be one of the inputs: it would be replaced while it is read.</summary>
    private static void CheckPaths(string[] inputs, string target)
    {
        string Resolved(string path)
        {
            string full = Path.GetFullPath(path);
            return File.Exists(full) && new FileInfo(full).LinkTarget is not null
                ? File.ResolveLinkTarget(full, returnFinalTarget: true)?.FullName ?? full
                : full;
        }
        string output = Resolved(target);
        foreach (string input in inputs)
            if (Resolved(input) == output)
                throw new UserError($"The output {target} is also an input; choose another name with -o.", ExitCodes.Usage);
    }

    private static void Report(string target, CaptureMerger merger, CaptureWriter writer, List<CaptureReader> readers, string[] inputs, bool json, VerbConsole console)
    {
        long corrupt = readers.Sum(r => r.Stats.CorruptBlocks);
        var uncleanInputs = inputs.Where((_, i) => !readers[i].Stats.CleanClose).ToList();
        if (json)
        {
            console.Out.WriteLine(JsonSerializer.Serialize(new
            {
                output = target,
                inputs = inputs.Length,
                hosts = merger.Hosts.Select(h => new { space = h.IdSpace, name = h.HostName, bootId = h.BootId }),
                records = writer.Totals.Records,
                connections = writer.Totals.Connections,
                dataEvents = writer.Totals.DataEvents,
                dataBytes = writer.Totals.DataBytes,
                corruptBlocks = corrupt,
                inputsCutShort = uncleanInputs,
            }, Json));
        }
        else
        {
            int hostNames = merger.Hosts.Select(h => h.HostName).Distinct().Count();
            console.Error.WriteLine($"Merged {inputs.Length} capture(s) of {hostNames} host(s): {writer.Totals.Connections:N0} connection(s), {writer.Totals.Records:N0} records, to {target}.");
        }
        if (corrupt > 0)
            console.Error.WriteLine($"capture: the inputs had {corrupt} corrupt block(s), skipped; every intact block was merged.");
        foreach (string input in uncleanInputs)
            console.Error.WriteLine($"capture: {input} has no trailer (its recording was cut short); what it holds was merged.");
    }
}
