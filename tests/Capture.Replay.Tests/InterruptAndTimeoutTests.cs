using System.Diagnostics;
using System.Text.Json;
using Capture.Replay.Tests.Support;

namespace Capture.Replay.Tests;

/// <summary>
/// Misbehaving targets and signals, with the real CLI process: an interrupted run never passes, and
/// --total-timeout bounds a request whatever it waits for (attempts, retries, circuit-breaker pauses).
/// </summary>
public class InterruptAndTimeoutTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("capture-interrupt-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    string Har(int requests)
    {
        var har = new HarBuilder();
        for (int i = 0; i < requests; i++)
            har.Add("GET", $"http://prod/r{i}", responseText: "same");
        string file = Path.Combine(_dir, $"{Guid.NewGuid():N}.har");
        File.WriteAllText(file, har.ToJson());
        return file;
    }

    [Theory]
    [InlineData(15)] // SIGTERM: what a CI job sends when it times out
    [InlineData(2)]  // SIGINT: Ctrl+C
    public async Task A_signal_while_every_request_is_in_flight_exits_130_with_a_report_that_says_interrupted(int signal)
    {
        await using var blackhole = new RawTcpTarget(RawTcpTarget.Behaviour.Silent);
        string report = Path.Combine(_dir, "report.json");
        using var replay = CaptureProcess.Start("replay", Har(20), "--target", blackhole.BaseUri.ToString(), "--max", "--report", report);

        // Every request is sent and waits for an answer that never comes.
        var waited = Stopwatch.StartNew();
        while (blackhole.Accepted < 20 && waited.Elapsed < TimeSpan.FromSeconds(20))
            await Task.Delay(50, TestContext.Current.CancellationToken);
        Assert.Equal(20, blackhole.Accepted);
        replay.Signal(signal);
        var (exit, _, stderr) = await replay.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.True(exit == 130, $"exit {exit}: {stderr}");
        using var json = JsonDocument.Parse(File.ReadAllText(report));
        Assert.True(json.RootElement.GetProperty("interrupted").GetBoolean());
        Assert.False(json.RootElement.GetProperty("summary").GetProperty("passed").GetBoolean());
        Assert.Equal(0, json.RootElement.GetProperty("summary").GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task A_slow_speed_over_start_times_a_century_apart_warns_and_waits_until_interrupted()
    {
        await using var target = new RawTcpTarget(RawTcpTarget.Behaviour.Answer);
        // 170 years: the furthest apart two start times can be that the HAR reader accepts (1970-2199);
        // at the slowest speed that is 170,000 years of schedule.
        const double Centuries = 170 * 365.25 * 86_400_000;
        var har = new HarBuilder().Add("GET", "http://prod/a", responseText: "same").Add("GET", "http://prod/b", responseText: "same", atMs: Centuries);
        string file = Path.Combine(_dir, "ages.har");
        File.WriteAllText(file, har.ToJson());
        string report = Path.Combine(_dir, "report.json");
        using var replay = CaptureProcess.Start("replay", file, "--target", target.BaseUri.ToString(), "--speed", "0.001", "--report", report);

        var waited = Stopwatch.StartNew();
        while (target.RequestHeads().Count < 1 && waited.Elapsed < TimeSpan.FromSeconds(20))
            await Task.Delay(50, TestContext.Current.CancellationToken);
        replay.Signal(15);
        var (exit, _, stderr) = await replay.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.True(exit == 130, $"exit {exit}: {stderr}");
        Assert.Matches(@"^capture: the recording spans .*; at --speed 0\.001 the replay takes about 62,092,500 days \(", stderr);
        using var json = JsonDocument.Parse(File.ReadAllText(report));
        Assert.True(json.RootElement.GetProperty("interrupted").GetBoolean());
        Assert.Single(target.RequestHeads()); // the first request went out, the second is 170,000 years away
    }

    [Theory]
    [InlineData(RawTcpTarget.Behaviour.Silent)]
    [InlineData(RawTcpTarget.Behaviour.OneBytePerSecond)]
    public async Task The_total_timeout_bounds_each_request_including_circuit_breaker_pauses(RawTcpTarget.Behaviour behaviour)
    {
        await using var target = new RawTcpTarget(behaviour);
        string report = Path.Combine(_dir, "report.json");

        // 1 s attempts retried twice: the attempts fail fast enough to open the circuit breaker, whose
        // 2 s pauses used to come on top of the total timeout (9-12 s for a 4 s limit).
        var (exit, _, stderr) = await CaptureProcess.RunAsync("replay", Har(20), "--target", target.BaseUri.ToString(), "--max",
            "--timeout", "1s", "--total-timeout", "4s", "--report", report);

        Assert.True(exit == 1, $"exit {exit}: {stderr}");
        using var json = JsonDocument.Parse(File.ReadAllText(report));
        var summary = json.RootElement.GetProperty("summary");
        Assert.Equal(20, summary.GetProperty("errors").GetInt32());
        // Every request ended at its total timeout, none left waiting for the breaker beyond it.
        Assert.Equal(20, summary.GetProperty("errorKinds").GetProperty("timeout").GetInt32());
        Assert.All(json.RootElement.GetProperty("errors").EnumerateArray(),
            e => Assert.StartsWith("no answer within the total timeout of 4 s", e.GetProperty("message").GetString()));
        // A generous bound: twice the limit catches the pauses being added again, not a slow machine.
        Assert.True(json.RootElement.GetProperty("durationSeconds").GetDouble() < 8,
            $"a run of requests limited to 4 s each took {json.RootElement.GetProperty("durationSeconds").GetDouble()} s");
    }
}
