using Capture.Replay.Input;
using Capture.Replay.Reporting;
using Microsoft.Extensions.Time.Testing;

namespace Capture.Replay.Tests.Support;

/// <summary>
/// Runs a replay on a fake clock: the test moves time forward in small steps, so due times, rates and
/// durations are checked exactly and without waiting. The requests themselves are real (sent to a real
/// server); only the clock is not.
/// </summary>
public static class FakeClock
{
    public static readonly TimeSpan Step = TimeSpan.FromMilliseconds(1);

    /// <summary>
    /// Starts the replay, moves the clock forward step by step until <paramref name="horizon"/> (the timers due
    /// on the way fire, and the requests they start go out), then waits for the answers on real time.
    /// The options must keep the dispatcher from waiting on real answers (enough concurrency, no lanes),
    /// or the clock would run ahead of it.
    /// </summary>
    public static async Task<(ReplayReport Report, DateTimeOffset Start)> RunAsync(ReplayPlan plan, ReplayOptions options, TimeSpan horizon)
    {
        var time = new FakeTimeProvider();
        var start = time.GetUtcNow();
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var run = ReplayRunner.RunAsync(plan, options, null, limit.Token, time);
        for (var now = TimeSpan.Zero; now < horizon; now += Step)
            time.Advance(Step);
        var report = await run;
        Assert.False(report.Interrupted, $"the replay did not finish within 60 s ({report.Summary.Total} results, {report.Summary.Errors} errors, clock at {time.GetUtcNow() - start})");
        return (report, start);
    }
}
