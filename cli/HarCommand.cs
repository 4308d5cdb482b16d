using System.CommandLine;
using System.Text.Json;
using Capture.Format;
using Capture.Traffic.Grpc;
using Capture.Traffic.Har;
using Capture.Cli.Conversion;

namespace Capture.Cli;

/// <summary>`capture har FILE [-o OUT.har|-]`: the HTTP exchanges of a capture as HAR 1.2, sorted by start time.</summary>
public static class HarCommand
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public static Command Create(VerbConsole console)
    {
        var file = new Argument<string>("file") { Description = "The capture file (.tcap) to convert." };
        var output = new Option<string?>("--output", "-o") { Description = "The HAR file to write, or - for stdout (default: FILE with extension .har)." };
        var pid = new Option<int?>("--pid") { Description = "Only exchanges of this process id." };
        var filters = new ExchangeFilterOptions("exchanges");
        var redaction = new RedactionOptions();
        var pretty = new Option<bool>("--pretty") { Description = "Indent the JSON (bigger, easier to read)." };
        var jsonSummary = new Option<bool>("--json-summary") { Description = "Print the summary as one JSON object: on stdout, or on stderr when the HAR goes to stdout." };
        var protoDescriptors = new Option<string?>("--proto-descriptors") { Description = "A protobuf descriptor set (protoc --include_imports --descriptor_set_out=FILE): gRPC messages of its methods are also shown as JSON in _grpc." };

        var command = new Command("har", "Convert a capture file to HAR 1.2: every HTTP/1.x exchange and HTTP/2 stream (gRPC included) with decoded bodies and syscall timings.") { file, output, pid };
        filters.AddTo(command);
        redaction.AddTo(command);
        command.Options.Add(pretty);
        command.Options.Add(jsonSummary);
        command.Options.Add(protoDescriptors);
        command.SetAction(parsed => VerbRunner.Run(console, () =>
        {
            var options = new HarConversionOptions
            {
                Filter = filters.Build(parsed, parsed.GetValue(pid)),
                Redaction = redaction.Build(parsed, console.Error),
                Indented = parsed.GetValue(pretty),
                CreatorVersion = typeof(HarCommand).Assembly.GetName().Version?.ToString(3) ?? "0",
                Protobuf = parsed.GetValue(protoDescriptors) is { } descriptors ? LoadDescriptors(descriptors) : null,
            };
            using var conversion = CaptureConversion.Open(parsed.GetValue(file)!, parsed.GetValue(output), ".har", console);
            var summary = conversion.WriteOutput(
                stream => HarConversion.Run(conversion.Reader.Header, conversion.Records("converting to HAR"), stream, options),
                stdoutBuffer: 1 << 20);
            summary = summary with { CorruptBlocks = conversion.Reader.Stats.CorruptBlocks };
            Report(conversion.OutputName, summary, conversion.Reader.Stats, parsed.GetValue(jsonSummary), harOnStdout: conversion.OutputPath is null, console);
            conversion.ReportReadProblems();
            return ExitCodes.Ok;
        }));
        return command;
    }

    /// <summary>The descriptor set, or exit 3 with one sentence when it is missing or not one.</summary>
    private static ProtobufJson LoadDescriptors(string path)
    {
        byte[] bytes = File.ReadAllBytes(InputFile.Require(path, "a protobuf descriptor set"));
        try
        {
            return ProtobufJson.Load(bytes);
        }
        catch (FormatException e)
        {
            throw new UserError($"{path} is {e.Message.TrimEnd('.')}.", ExitCodes.BadInput);
        }
    }

    private static void Report(string target, HarConversionSummary summary, CaptureReadStats read, bool json, bool harOnStdout, VerbConsole console)
    {
        if (json)
        {
            var writer = harOnStdout ? console.Error : console.Out;
            writer.WriteLine(JsonSerializer.Serialize(new { output = target, summary, read.CleanClose }, Json));
        }
        else
        {
            var notes = new List<string>();
            if (summary.Incomplete > 0) notes.Add($"{summary.Incomplete:N0} incomplete");
            if (summary.Malformed > 0) notes.Add($"{summary.Malformed:N0} malformed");
            if (summary.Truncated > 0) notes.Add($"{summary.Truncated:N0} truncated");
            string detail = notes.Count > 0 ? $" ({string.Join(", ", notes)})" : "";
            console.Error.WriteLine($"Wrote {summary.Written:N0} exchange(s){detail} to {target}; {summary.SkippedByFilter:N0} skipped by filters.");
            if (summary.RedactedValues > 0)
                console.Error.WriteLine($"Redacted {summary.RedactedValues:N0} value(s).");
            if (summary.SkippedNoRequest > 0)
                console.Error.WriteLine($"capture: {summary.SkippedNoRequest:N0} response(s) had no readable request (lost in a gap or recorded mid-connection) and are not in the HAR.");
            if (summary.Failed > 0)
                console.Error.WriteLine($"capture: {summary.Failed:N0} exchange(s) could not be converted and are not in the HAR; please report this with the capture file.");
            if (summary.RedactionUnparsedBodies > 0)
                console.Error.WriteLine($"capture: {summary.RedactionUnparsedBodies:N0} JSON body(ies) stop being valid JSON before their end and were redacted only up to there; their comment says where: check them before sharing.");
            if (summary.LostEvents > 0)
                console.Error.WriteLine($"capture: the recorder lost {summary.LostEvents:N0} event(s); affected exchanges are marked _incomplete.");
        }
    }
}
