using Capture.Replay.Latency;

namespace Capture.Replay.Reporting;

/// <summary>One route's counts and latencies while a report is built (by a run or by a merge).</summary>
internal sealed class RouteTotals
{
    public int Count, Matched, Mismatched, NotCompared, Errors, Skipped;
    public readonly LatencyRecorder Replay = new(), Recorded = new();

    /// <summary>The report's route rows: busiest route first, then by name.</summary>
    public static List<RouteReport> Rows(Dictionary<string, RouteTotals> routes) => routes
        .OrderByDescending(r => r.Value.Count).ThenBy(r => r.Key, StringComparer.Ordinal)
        .Select(r => new RouteReport(r.Key, r.Value.Count, r.Value.Matched, r.Value.Mismatched, r.Value.NotCompared, r.Value.Errors, r.Value.Skipped,
            r.Value.Replay.Summarize(), r.Value.Recorded.Summarize()))
        .ToList();
}
