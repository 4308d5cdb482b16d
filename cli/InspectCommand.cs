using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Serialization;
using Capture.Format;
using Capture.Format.Inspection;
using Spectre.Console;

namespace Capture.Cli;

/// <summary>`capture inspect FILE [--json]`: what a capture file holds, and whether it ended cleanly.</summary>
public static class InspectCommand
{
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        Converters = { new UtcTimestampConverter() },
    };

    public static Command Create(VerbConsole console)
    {
        var file = new Argument<string>("file") { Description = "The capture file (.tcap) to inspect." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of a table." };
        var command = new Command("inspect", "Show what a capture file holds: blocks, connections, data, losses, processes.") { file, json };
        command.SetAction(parsed => VerbRunner.Run(console, () =>
        {
            string path = parsed.GetValue(file)!;
            using var reader = CaptureReader.Open(path);
            var summary = CaptureSummary.Compute(reader);
            if (parsed.GetValue(json))
                console.Out.WriteLine(JsonSerializer.Serialize(summary, Json));
            else
                PrintTable(path, summary, console);
            if (summary.CorruptBlocks > 0)
                console.Error.WriteLine($"capture: {path} has {summary.CorruptBlocks} corrupt block(s); every intact block was read.");
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static void PrintTable(string path, CaptureSummary s, VerbConsole console)
    {
        var table = new Table().Border(TableBorder.Simple).HideHeaders().AddColumn("").AddColumn("");
        void Row(string name, string value) => table.AddRow(Markup.Escape(name), Markup.Escape(value));
        Row("file", path);
        Row("format", $"{s.FormatVersion} (recorded on {s.HostName}, kernel {s.KernelRelease}, {s.RecorderVersion})");
        Row("data path", s.DataPath switch
        {
            "socket" => "socket tracepoints",
            "syscall" => "syscall tracepoints",
            null => "-",
            var other => other,
        });
        Row("closed cleanly", s.CleanClose ? "yes" : $"no (incomplete tail: {s.IncompleteTailBytes} bytes)");
        Row("blocks", s.CorruptBlocks > 0 ? $"{s.Blocks} ({s.CorruptBlocks} corrupt, {s.SkippedBytes} bytes skipped)" : $"{s.Blocks}");
        Row("records", $"{s.Records}");
        Row("time", s.FirstTimestamp is null ? "-" : $"{s.FirstTimestamp:yyyy-MM-dd HH:mm:ss.fff} → {s.LastTimestamp:yyyy-MM-dd HH:mm:ss.fff} UTC");
        Row("connections", $"{s.Connections}");
        Row("data", $"{s.DataEvents} events, {s.DataBytes:N0} bytes" + (s.CutBytes > 0 ? $", {s.CutBytes:N0} bytes cut" : ""));
        if (s.NoBufferGaps > 0)
            Row("no buffer", $"{s.NoBufferGaps} gaps, {s.NoBufferBytes:N0} bytes moved without a user buffer (io_uring, splice, kernel senders)");
        Row("lost", $"{s.LostEvents} events, {s.LostBytes:N0} bytes");
        Row("hosts", string.Join(", ", s.Hosts.Select(h => $"{h.Name}{(h.BootId.Length > 0 ? $" (boot {h.BootId})" : "")}: {h.Connections} connection(s)")));
        if (s.TlsStacks.Count > 0)
            Row("tls stacks", string.Join("\n", s.TlsStacks));
        Row("processes", s.Processes.Count == 0 ? "-" : string.Join(", ", s.Processes.Select(p => $"{p.Name} ({p.Pid})")));
        if (s.Cgroups.Count > 0)
            Row("cgroups", string.Join("\n", s.Cgroups.Select(Describe)));
        AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(console.Out) }).Write(table);
    }

    /// <summary>One cgroup: its path, then the container and pod its path names, and its connections.</summary>
    private static string Describe(CgroupSummary c)
    {
        string container = c.ContainerId is { } id ? $" container {(id.Length > 12 ? id[..12] : id)}" : "";
        string pod = c.Pod is { } p ? $" pod {p}" : "";
        string path = c.Path.Length > 0 ? c.Path : $"#{c.Id}";
        return $"{path}{container}{pod}: {c.Connections} connection(s)";
    }

    /// <summary>ISO 8601 in UTC with a Z, the form scripts and log tools expect.</summary>
    private sealed class UtcTimestampConverter : JsonConverter<DateTimeOffset>
    {
        public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            DateTimeOffset.Parse(reader.GetString()!, System.Globalization.CultureInfo.InvariantCulture);

        public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
            writer.WriteStringValue(value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", System.Globalization.CultureInfo.InvariantCulture));
    }
}
