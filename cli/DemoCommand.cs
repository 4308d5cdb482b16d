using System.CommandLine;
using Capture.Cli.Demo;
using Capture.Format;
using Capture.Traffic.Har;
using Capture.Traffic.Json;
using Capture.Format.Output;
using Capture.Recorder;
using Capture.Replay;
using Capture.Replay.Comparison;
using Capture.Replay.Input;
using Capture.Replay.Reporting;

namespace Capture.Cli;

/// <summary>
/// `capture demo`: the whole job on one machine in about a minute — record a service's traffic,
/// write the HAR, replay it against a changed copy of the service, and show what changed.
/// </summary>
public static class DemoCommand
{
    public static Command Create(VerbConsole console)
    {
        var output = new Option<string?>("--dir") { Description = "Folder for the demo's files (default: a new folder under /tmp)." };
        var requests = new Option<int>("--requests") { Description = "Requests to drive at the service while recording.", DefaultValueFactory = _ => 60 };
        var command = new Command("demo", "Record a built-in service, write HAR, replay it against a changed copy and show the differences (root).") { output, requests };
        command.SetAction(parsed => VerbRunner.Run(console, () =>
            RunAsync(parsed.GetValue(output), parsed.GetValue(requests), console, CancellationToken.None).GetAwaiter().GetResult()));
        return command;
    }

    private static async Task<int> RunAsync(string? folder, int requests, VerbConsole console, CancellationToken cancellation)
    {
        string dir = folder ?? Directory.CreateTempSubdirectory("capture-demo-").FullName;
        Directory.CreateDirectory(dir);
        string capturePath = Path.Combine(dir, "demo.tcap");
        string harPath = Path.Combine(dir, "demo.har");
        string reportPath = Path.Combine(dir, "replay-report.json");

        Step(console, "1/4", "starting the demo service and the recorder");
        RecordingSummary recorded;
        using (var service = await DemoServiceProcess.StartAsync(changed: false, cancellation))
        {
            var recording = await DemoRecording.StartAsync(new RecorderOptions
            {
                OutputPath = capturePath,
                Ports = [service.Address.Port],
            }, cancellation);
            Step(console, "2/4", $"sending {requests} requests to {service.Address} while recording");
            await DemoTraffic.DriveAsync(service.Address, requests, cancellation);
            await Task.Delay(TimeSpan.FromMilliseconds(500), cancellation); // let the last events drain
            recorded = await recording.StopAsync();
        }
        console.Out.WriteLine($"      recorded {recorded.Connections} connections, {recorded.Requests} requests, {recorded.CapturedBytes:N0} bytes, {recorded.LostEvents} events lost");

        Step(console, "3/4", "converting the recording to HAR");
        HarConversionSummary har;
        using (var reader = CaptureReader.Open(capturePath))
        using (var harFile = OutputFile.CreateWhole(harPath))
        {
            har = HarConversion.Run(reader, harFile.Stream);
            harFile.Commit();
        }
        console.Out.WriteLine($"      {har.Written} exchanges written ({har.Incomplete} incomplete, {har.Malformed} malformed)");

        Step(console, "4/4", "replaying against a copy of the service with one route changed");
        ReplayReport report;
        using (var changed = await DemoServiceProcess.StartAsync(changed: true, cancellation))
        {
            var plan = HarPlanReader.Load(harPath);
            report = await ReplayRunner.RunAsync(plan, new ReplayOptions
            {
                Target = changed.Address,
                Speed = 4,
                Comparison = new ComparisonRules { IgnoreJson = [JsonPathPattern.Parse("$..generatedAt")] },
            }, progress: null, cancellation, console.Time);
        }
        ReportJson.WriteFile(report, reportPath);

        console.Out.WriteLine();
        ReplaySummaryTable.Print(report, console);
        console.Out.WriteLine();
        console.Out.WriteLine("Files:");
        console.Out.WriteLine($"  capture   {capturePath}     ./capture inspect {capturePath}");
        console.Out.WriteLine($"  HAR       {harPath}");
        console.Out.WriteLine($"  report    {reportPath}");
        console.Out.WriteLine("Replay it yourself against the changed service:");
        console.Out.WriteLine("  ./capture demo-service --port 9090 --changed &");
        console.Out.WriteLine($"  ./capture replay {harPath} --target http://127.0.0.1:9090 --ignore-json '$..generatedAt' --report r.json");
        return ExitCodes.Ok;
    }

    private static void Step(VerbConsole console, string number, string text) => console.Out.WriteLine($"[{number}] {text}");
}
