using System.CommandLine;
using System.Runtime.InteropServices;
using System.Text.Json;
using Capture.Format;
using Capture.Traffic.Listing;
using Capture.Traffic.Reassembly;

namespace Capture.Cli;

/// <summary>`capture ls FILE [--follow] [filters] [--json]`: one line per exchange, as soon as it is complete.</summary>
public static class LsCommand
{
    /// <summary>How often a followed file is checked for new blocks.</summary>
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// How far behind the wall clock a followed recording's file may be: the recorder writes a block
    /// at least every second. An exchange waiting for its other end (both ends traced) is shown alone
    /// once the file could no longer hold that end.
    /// </summary>
    private static readonly TimeSpan RecorderFlushLag = TimeSpan.FromSeconds(1.2);

    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public static Command Create(VerbConsole console)
    {
        var file = new Argument<string>("file") { Description = "The capture file (.tcap), possibly one `capture record` is still writing." };
        var follow = new Option<bool>("--follow", "-f") { Description = "Keep reading as the file grows (like tail -f) until the recording ends or Ctrl-C." };
        var pid = new Option<int?>("--pid") { Description = "Only exchanges of this process id." };
        var filters = new ExchangeFilterOptions("exchanges");
        var json = new Option<bool>("--json") { Description = "One JSON object per line (NDJSON) instead of text." };
        var command = new Command("ls", "List the HTTP exchanges of a capture, one line each, as soon as each is complete.") { file, follow, pid, json };
        filters.AddTo(command);
        command.SetAction(parsed => VerbRunner.Run(console, () =>
        {
            string path = parsed.GetValue(file)!;
            var filter = filters.Build(parsed, parsed.GetValue(pid));
            bool asJson = parsed.GetValue(json);
            using var reader = OpenInput(path);
            using var stop = new CancellationTokenSource();
            void OnSignal(PosixSignalContext context)
            {
                context.Cancel = true;
                stop.Cancel();
            }
            using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
            using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);

            List(reader, filter, parsed.GetValue(follow), console, (line, manyHosts) => console.Out.WriteLine(asJson ? JsonSerializer.Serialize(line, Json) : line.ToText(manyHosts)), stop.Token);
            if (reader.Stats.CorruptBlocks > 0)
                console.Error.WriteLine($"capture: {path} has {reader.Stats.CorruptBlocks} corrupt block(s); every intact block was read.");
            return stop.IsCancellationRequested ? ExitCodes.Interrupted : ExitCodes.Ok;
        }));
        return command;
    }

    /// <summary>
    /// Reads what the file holds (and, following, what it comes to hold), printing each exchange that passes the filter when it
    /// completes, and whether the file holds more than one host (a merged capture declares its hosts at its start).
    /// </summary>
    internal static void List(CaptureReader reader, ExchangeFilter filter, bool follow, VerbConsole console, Action<ExchangeLine, bool> print, CancellationToken stop)
    {
        // Bodies past 1 MiB go to temporary files, so a capture of large uploads lists in little memory.
        var extractor = new ExchangeExtractor(reader.Header, [], ExtractorOptions.StreamingBodies);
        void PrintReady()
        {
            bool manyHosts = extractor.DeclaredHosts.Select(h => h.HostName).Distinct().Skip(1).Any();
            foreach (var exchange in extractor.TakeReady())
            {
                using var done = exchange; // gives back its spilled bodies
                if (exchange.Request is not null && filter.Matches(exchange))
                    print(ExchangeLine.From(exchange, reader.Header), manyHosts);
            }
        }
        while (!stop.IsCancellationRequested)
        {
            foreach (var record in reader.ReadRecords())
            {
                extractor.Add(record);
                PrintReady();
                if (stop.IsCancellationRequested)
                    break;
            }
            if (!follow || reader.Stats.CleanClose)
                break;
            extractor.AdvanceClock(reader.Header.ToCaptureClock(console.Time.GetUtcNow() - RecorderFlushLag));
            PrintReady();
            stop.WaitHandle.WaitOne(PollInterval);
        }
        extractor.Finish();
        PrintReady();
    }

    private static CaptureReader OpenInput(string path)
    {
        return CaptureReader.Open(InputFile.Require(path, "a capture file"));
    }
}
