using Capture.Replay.Input;
using Capture.Replay.Reporting;
using Capture.Replay.Sending;

namespace Capture.Replay.Tests.Support;

/// <summary>Shortcuts for running a replay in tests with small, bounded timeouts.</summary>
public static class TestReplay
{
    public static ResilienceSettings FastFailing => new()
    {
        AttemptTimeout = TimeSpan.FromSeconds(5),
        TotalTimeout = TimeSpan.FromSeconds(15),
        RetryBaseDelay = TimeSpan.FromMilliseconds(10),
        BreakDuration = TimeSpan.FromMilliseconds(500),
    };

    public static ReplayOptions Options(Uri target) => new()
    {
        Target = target,
        Timing = TimingMode.Max,
        Concurrency = 4,
        Resilience = FastFailing,
    };

    public static async Task<ReplayReport> RunAsync(ReplayPlan plan, ReplayOptions options)
    {
        // A bound on every test replay: a hang fails the test instead of blocking the run.
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var report = await ReplayRunner.RunAsync(plan, options, null, limit.Token);
        Assert.False(report.Interrupted, "the replay did not finish within 60 s");
        return report;
    }

    /// <summary>The repository root (where Capture.sln is), for fixtures.</summary>
    public static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Capture.sln")))
                return dir.FullName;
        throw new DirectoryNotFoundException("Capture.sln not found above the test binaries.");
    }
}
