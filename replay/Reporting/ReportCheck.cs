using Capture.Format;
using Capture.Replay.Latency;

namespace Capture.Replay.Reporting;

/// <summary>
/// What `capture report merge` requires of each report it reads: a report file is input, and hostile
/// until checked. A report that fails is a <see cref="CaptureFormatException"/> naming the file.
/// </summary>
public static class ReportCheck
{
    // Longer than any run (--duration allows 365 days), far from where a TimeSpan overflows.
    const double MaxDurationSeconds = 400.0 * 24 * 3600;

    public static void Validate(string name, ReplayReport report)
    {
        CaptureFormatException Unusable(string what) => new($"{name} is not a usable replay report: {what}.");

        // Required members can still be JSON null.
        if (report.Summary is not { BodiesNotCompared: not null, ErrorKinds: not null } s ||
            report.Routes is null || report.Mismatches is null || report.Errors is null || report.Skipped is null)
            throw Unusable("it lacks the summary, routes or result lists");
        if (report.Source is null || report.Target is null)
            throw Unusable("it lacks its source or target");
        if (report.Routes.Any(r => r?.Route is null) ||
            report.Mismatches.Any(m => m?.Diff is null || m.Route is null || m.Expected is null || m.Actual is null || !Whole(m.Request)) ||
            report.Errors.Any(e => e?.Kind is null || e.Message is null || e.Route is null || !Whole(e.Request)) ||
            report.Skipped.Any(k => k?.Reason is null || k.Route is null || !Whole(k.Request)))
            throw Unusable("an entry of its lists lacks a field");
        int[] counts =
        [
            s.Planned, s.Total, s.Matched, s.Mismatched, s.NotCompared, s.Errors, s.Skipped, s.Retries, s.CircuitBreaks,
            s.SkippedNotHttp, s.Filtered, report.MismatchesNotListed, report.ErrorsNotListed, report.SkippedNotListed,
            .. s.BodiesNotCompared.Values, .. s.ErrorKinds.Values,
            .. report.Routes.SelectMany(r => new[] { r.Count, r.Matched, r.Mismatched, r.NotCompared, r.Errors, r.Skipped }),
        ];
        if (counts.Any(n => n < 0))
            throw Unusable("a count is negative");
        if (!double.IsFinite(report.DurationSeconds) || report.DurationSeconds is < 0 or > MaxDurationSeconds)
            throw Unusable("its duration is out of range");
        if (report.Shard is { IsValid: false } shard)
            throw Unusable($"its shard {shard} is not K/N with 1 <= K <= N <= {Input.Shard.MaxCount}");
        if (string.IsNullOrEmpty(report.InputSha256))
            throw Unusable("it does not say which input it replayed (inputSha256, written by capture replay since --shard)");
        LatencySummary?[] latencies =
        [
            s.ReplayLatency, s.RecordedLatency, s.ScheduleLag,
            .. report.Routes.SelectMany(r => new[] { r.ReplayLatency, r.RecordedLatency }),
        ];
        if (latencies.Any(l => l?.Histogram is null))
            throw Unusable("it has no latency histograms (written by a capture before --shard; rerun the replay)");
    }

    static bool Whole(RequestSummary? request) => request is { Method: not null, Url: not null, RecordedUrl: not null };

    /// <summary>The distribution a summary carries.</summary>
    internal static LatencyRecorder Histogram(string name, LatencySummary summary)
    {
        try
        {
            return LatencyRecorder.Decode(summary.Histogram!);
        }
        catch (FormatException e)
        {
            throw new CaptureFormatException($"{name} is not a usable replay report: a latency histogram is {e.Message}.");
        }
    }
}
