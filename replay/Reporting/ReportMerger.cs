using Capture.Format;
using Capture.Replay.Latency;

namespace Capture.Replay.Reporting;

/// <summary>
/// Combines the reports of replay shards into the report one run over the whole recording would have
/// given: counts add up, lists are concatenated in recording order (capped as in a single report),
/// percentiles are recomputed from the added histograms, and the gate is applied once, to the sum.
/// Call <see cref="ReportCheck.Validate"/> and <see cref="ShardCoverage.Check"/> first.
/// </summary>
public static class ReportMerger
{
    public static ReplayReport Merge(IReadOnlyList<NamedReport> reports, double maxMismatchPercent, bool allowNotCompared)
    {
        try
        {
            return checked(Combine(reports, maxMismatchPercent, allowNotCompared));
        }
        catch (OverflowException)
        {
            throw new CaptureFormatException("cannot merge: the reports' counts add up to more than a report can hold.");
        }
    }

    static ReplayReport Combine(IReadOnlyList<NamedReport> reports, double maxMismatchPercent, bool allowNotCompared)
    {
        var replay = new LatencyRecorder();
        var recorded = new LatencyRecorder();
        var lag = new LatencyRecorder();
        var routes = new Dictionary<string, RouteTotals>(StringComparer.Ordinal);
        var notCompared = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var errorKinds = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var counts = new ReplaySummary { BodiesNotCompared = notCompared, ErrorKinds = errorKinds, ReplayLatency = null!, RecordedLatency = null!, ScheduleLag = null! };

        foreach (var (name, report) in reports)
        {
            var s = report.Summary;
            counts = counts with
            {
                Planned = checked(counts.Planned + s.Planned),
                Total = checked(counts.Total + s.Total),
                Matched = checked(counts.Matched + s.Matched),
                Mismatched = checked(counts.Mismatched + s.Mismatched),
                NotCompared = checked(counts.NotCompared + s.NotCompared),
                Errors = checked(counts.Errors + s.Errors),
                Skipped = checked(counts.Skipped + s.Skipped),
                Retries = checked(counts.Retries + s.Retries),
                CircuitBreaks = checked(counts.CircuitBreaks + s.CircuitBreaks),
                // Left out before sharding: every shard counts the same ones (ShardCoverage checked).
                SkippedNotHttp = s.SkippedNotHttp,
                Filtered = s.Filtered,
            };
            AddTo(notCompared, s.BodiesNotCompared);
            AddTo(errorKinds, s.ErrorKinds);
            replay.Add(ReportCheck.Histogram(name, s.ReplayLatency));
            recorded.Add(ReportCheck.Histogram(name, s.RecordedLatency));
            lag.Add(ReportCheck.Histogram(name, s.ScheduleLag));
            foreach (var r in report.Routes)
            {
                if (!routes.TryGetValue(r.Route, out var sum))
                    routes[r.Route] = sum = new RouteTotals();
                sum.Count = checked(sum.Count + r.Count);
                sum.Matched = checked(sum.Matched + r.Matched);
                sum.Mismatched = checked(sum.Mismatched + r.Mismatched);
                sum.NotCompared = checked(sum.NotCompared + r.NotCompared);
                sum.Errors = checked(sum.Errors + r.Errors);
                sum.Skipped = checked(sum.Skipped + r.Skipped);
                sum.Replay.Add(ReportCheck.Histogram(name, r.ReplayLatency));
                sum.Recorded.Add(ReportCheck.Histogram(name, r.RecordedLatency));
            }
        }

        // The shards may have run one after another or side by side: the merged run spans from the first start to the last end.
        var startedAt = reports.Min(r => r.Report.StartedAt);
        double endSeconds = reports.Max(r => (r.Report.StartedAt - startedAt).TotalSeconds + r.Report.DurationSeconds);
        bool interrupted = reports.Any(r => r.Report.Interrupted);
        var (mismatches, mismatchesNotListed) = Listed(reports, r => r.Mismatches, r => r.MismatchesNotListed, ReportLimits.MaxListedMismatches, m => (m.Iteration, m.Index));
        var (errors, errorsNotListed) = Listed(reports, r => r.Errors, r => r.ErrorsNotListed, ReportLimits.MaxListedErrors, e => (e.Iteration, e.Index));
        var (skipped, skippedNotListed) = Listed(reports, r => r.Skipped, r => r.SkippedNotListed, ReportLimits.MaxListedErrors, k => (k.Iteration, k.Index));
        counts = counts with
        {
            RequestsPerSecond = endSeconds > 0 ? Math.Round(counts.Total / endSeconds, 1) : 0,
            ReplayLatency = replay.Summarize(),
            RecordedLatency = recorded.Summarize(),
            ScheduleLag = lag.Summarize(),
        };
        return new ReplayReport
        {
            Source = reports[0].Report.Source,
            Target = string.Join(", ", reports.Select(r => r.Report.Target).Distinct(StringComparer.Ordinal)),
            InputSha256 = reports[0].Report.InputSha256,
            MergedFrom = reports.Select(r => r.Name).ToList(),
            StartedAt = startedAt,
            DurationSeconds = Math.Round(endSeconds, 3),
            Interrupted = interrupted,
            Summary = ReplayGate.Apply(counts, interrupted, maxMismatchPercent, allowNotCompared),
            Routes = RouteTotals.Rows(routes),
            Mismatches = mismatches,
            MismatchesNotListed = mismatchesNotListed,
            Errors = errors,
            ErrorsNotListed = errorsNotListed,
            Skipped = skipped,
            SkippedNotListed = skippedNotListed,
        };
    }

    static void AddTo(SortedDictionary<string, int> sums, IReadOnlyDictionary<string, int> more)
    {
        foreach (var (key, n) in more)
            sums[key] = checked(sums.GetValueOrDefault(key) + n);
    }

    /// <summary>Every shard's list in recording order (indexes point into the one recording), cut at the single-report cap.</summary>
    static (List<T> Listed, int NotListed) Listed<T>(IReadOnlyList<NamedReport> reports, Func<ReplayReport, IReadOnlyList<T>> list,
        Func<ReplayReport, int> notListed, int cap, Func<T, (int, int)> order)
    {
        var all = reports.SelectMany(r => list(r.Report)).OrderBy(order).ToList();
        int over = Math.Max(0, all.Count - cap);
        int unlisted = checked(reports.Sum(r => notListed(r.Report)) + over);
        return (over > 0 ? all[..cap] : all, unlisted);
    }
}
