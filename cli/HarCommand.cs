using System.CommandLine;
using System.Text.Json;
using Capture.Format;
using Capture.Format.Har;
using Capture.Format.Reassembly;
using Capture.Format.Records;

namespace Capture.Cli;

/// <summary>`capture har FILE [-o OUT.har|-]`: the HTTP exchanges of a capture as HAR 1.2, sorted by start time.</summary>
public static class HarCommand
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public static Command Create()
    {
        var file = new Argument<string>("file") { Description = "The capture file (.tcap) to convert." };
        var output = new Option<string?>("--output", "-o") { Description = "The HAR file to write, or - for stdout (default: FILE with extension .har)." };
        var pid = new Option<int?>("--pid") { Description = "Only exchanges of this process id." };
        var host = new Option<string?>("--host") { Description = "Only exchanges for this host (Host header, with or without port, or server address)." };
        var method = new Option<string?>("--method") { Description = "Only exchanges with this request method." };
        var pathPrefix = new Option<string?>("--path-prefix") { Description = "Only exchanges whose path starts with this, e.g. /api/." };
        var status = new Option<string?>("--status") { Description = "Only exchanges with this status: 404, 5xx, or a list like 2xx,404." };
        var redact = new Option<bool>("--redact") { Description = "Replace Authorization, Proxy-Authorization, Cookie and Set-Cookie values (and cookie values) with [redacted]." };
        var redactNames = new Option<string[]>("--redact-name") { Description = "Also redact this header, query parameter or form field (repeatable; implies --redact).", Arity = ArgumentArity.ZeroOrMore };
        var pretty = new Option<bool>("--pretty") { Description = "Indent the JSON (bigger, easier to read)." };
        var jsonSummary = new Option<bool>("--json-summary") { Description = "Print the summary as one JSON object: on stdout, or on stderr when the HAR goes to stdout." };

        var command = new Command("har", "Convert a capture file to HAR 1.2: every HTTP/1.x exchange with decoded bodies and syscall timings.")
        {
            file, output, pid, host, method, pathPrefix, status, redact, redactNames, pretty, jsonSummary,
        };
        command.SetAction(parsed => VerbRunner.Run(() =>
        {
            string input = parsed.GetValue(file)!;
            string target = parsed.GetValue(output) ?? Path.ChangeExtension(input, ".har");
            bool toStdout = target == "-";
            if (!toStdout && Path.GetFullPath(target) == Path.GetFullPath(input))
                throw new UserError($"The output {target} is the input capture file; choose another name with -o.", ExitCodes.Usage);
            string[] extraSecrets = parsed.GetValue(redactNames) ?? [];
            var options = new HarConversionOptions
            {
                Filter = new ExchangeFilter
                {
                    Pid = parsed.GetValue(pid),
                    Host = parsed.GetValue(host),
                    Method = parsed.GetValue(method),
                    PathPrefix = parsed.GetValue(pathPrefix),
                    Status = parsed.GetValue(status) is { } s ? ParseStatus(s) : null,
                },
                RedactNames = parsed.GetValue(redact) || extraSecrets.Length > 0 ? extraSecrets : null,
                Indented = parsed.GetValue(pretty),
                CreatorVersion = typeof(HarCommand).Assembly.GetName().Version?.ToString(3) ?? "0",
            };
            return Convert(input, target, toStdout, options, parsed.GetValue(jsonSummary));
        }));
        return command;
    }

    private static int Convert(string input, string target, bool toStdout, HarConversionOptions options, bool jsonSummary)
    {
        if (Directory.Exists(input))
            throw new UserError($"{input} is a directory, not a capture file.", ExitCodes.BadInput);
        if (!File.Exists(input))
            throw new UserError($"File not found: {input}.", ExitCodes.BadInput);
        using var inputStream = new FileStream(input, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16);
        using var reader = new CaptureReader(inputStream, input);

        using var interrupted = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            e.Cancel = true; // stop and remove the partial file rather than leave half a HAR behind
            interrupted.Cancel();
        };
        Console.CancelKeyPress += onCancel;

        // Written under a temporary name and renamed when whole, so OUT is never a truncated HAR.
        string? temporary = toStdout ? null : Path.Combine(Path.GetDirectoryName(Path.GetFullPath(target))!, $".{Path.GetFileName(target)}.{Environment.ProcessId}.partial");
        HarConversionSummary summary;
        var progress = new Progress(inputStream, enabled: !Console.IsErrorRedirected);
        try
        {
            using (Stream outputStream = OpenOutput(temporary))
                summary = HarConversion.Run(reader.Header, Watch(reader.ReadRecords(), progress, interrupted.Token), outputStream, options);
            if (temporary is not null)
                File.Move(temporary, target, overwrite: true);
        }
        catch (IOException e) when (e is not FileNotFoundException)
        {
            throw new UserError($"Cannot write {(toStdout ? "stdout" : target)}: {e.Message.TrimEnd('.')}.", ExitCodes.Output);
        }
        catch (UnauthorizedAccessException)
        {
            throw new UserError($"Permission denied writing {target}.", ExitCodes.Output);
        }
        finally
        {
            progress.Done();
            Console.CancelKeyPress -= onCancel;
            if (temporary is not null && File.Exists(temporary))
                File.Delete(temporary);
        }

        summary = summary with { CorruptBlocks = reader.Stats.CorruptBlocks };
        Report(input, toStdout ? "stdout" : target, summary, reader.Stats, jsonSummary, toStdout);
        return ExitCodes.Ok;
    }

    private static Stream OpenOutput(string? temporary)
    {
        if (temporary is null)
            return new BufferedStream(Console.OpenStandardOutput(), 1 << 20);
        if (!Directory.Exists(Path.GetDirectoryName(temporary)))
            throw new UserError($"The output directory {Path.GetDirectoryName(temporary)} does not exist.", ExitCodes.Output);
        return new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
    }

    private static IEnumerable<CaptureRecord> Watch(IEnumerable<CaptureRecord> records, Progress progress, CancellationToken interrupted)
    {
        foreach (var record in records)
        {
            interrupted.ThrowIfCancellationRequested();
            progress.Tick();
            yield return record;
        }
    }

    private static void Report(string input, string target, HarConversionSummary summary, CaptureReadStats read, bool json, bool harOnStdout)
    {
        if (json)
        {
            var writer = harOnStdout ? Console.Error : Console.Out;
            writer.WriteLine(JsonSerializer.Serialize(new { output = target, summary, read.CleanClose }, Json));
        }
        else
        {
            var notes = new List<string>();
            if (summary.Incomplete > 0) notes.Add($"{summary.Incomplete:N0} incomplete");
            if (summary.Malformed > 0) notes.Add($"{summary.Malformed:N0} malformed");
            if (summary.Truncated > 0) notes.Add($"{summary.Truncated:N0} truncated");
            string detail = notes.Count > 0 ? $" ({string.Join(", ", notes)})" : "";
            Console.Error.WriteLine($"Wrote {summary.Written:N0} exchange(s){detail} to {target}; {summary.SkippedByFilter:N0} skipped by filters.");
            if (summary.SkippedNoRequest > 0)
                Console.Error.WriteLine($"capture: {summary.SkippedNoRequest:N0} response(s) had no readable request (lost in a gap or recorded mid-connection) and are not in the HAR.");
            if (summary.Failed > 0)
                Console.Error.WriteLine($"capture: {summary.Failed:N0} exchange(s) could not be converted and are not in the HAR; please report this with the capture file.");
            if (summary.LostEvents > 0)
                Console.Error.WriteLine($"capture: the recorder lost {summary.LostEvents:N0} event(s); affected exchanges are marked _incomplete.");
        }
        if (read.CorruptBlocks > 0)
            Console.Error.WriteLine($"capture: {input} has {read.CorruptBlocks} corrupt block(s) that were skipped; every intact block was converted.");
        if (!read.CleanClose && read.IncompleteTailBytes > 0)
            Console.Error.WriteLine($"capture: {input} ends in an incomplete block ({read.IncompleteTailBytes} bytes; recording killed or still running); everything before it was converted.");
    }

    private static StatusSet ParseStatus(string text)
    {
        try
        {
            return ExchangeFilter.ParseStatus(text);
        }
        catch (FormatException e)
        {
            throw new UserError(e.Message, ExitCodes.Usage);
        }
    }

    /// <summary>How far through the input the conversion is, on a terminal's stderr at most twice a second; silent when stderr is redirected.</summary>
    private sealed class Progress(Stream input, bool enabled)
    {
        private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();
        private long _lastDrawMs;
        private bool _drawn;

        public void Tick()
        {
            if (!enabled || _clock.ElapsedMilliseconds - _lastDrawMs < 500)
                return;
            _lastDrawMs = _clock.ElapsedMilliseconds;
            long length = Math.Max(1, input.Length);
            Console.Error.Write($"\rconverting to HAR: {100 * input.Position / length,3}% of {length / (1 << 20):N0} MiB");
            _drawn = true;
        }

        public void Done()
        {
            if (_drawn)
                Console.Error.Write("\r\u001b[K");
        }
    }
}
