namespace Capture.Replay.Reporting;

/// <summary>
/// The CI gate, for a single replay and for merged shard reports alike: the failed share of the
/// processed requests must be within the allowed percentage, and an interrupted run never passes.
/// </summary>
public static class ReplayGate
{
    /// <summary><paramref name="counts"/> with its failed percentage, the limits and the verdict filled in.</summary>
    public static ReplaySummary Apply(ReplaySummary counts, bool interrupted, double maxMismatchPercent, bool allowNotCompared)
    {
        long failed = (long)counts.Mismatched + counts.Errors + counts.Skipped + (allowNotCompared ? 0 : counts.NotCompared);
        double percent = counts.Total == 0 ? 0 : Math.Round(100.0 * failed / counts.Total, 3);
        return counts with
        {
            MismatchPercent = percent,
            MaxMismatchPercent = maxMismatchPercent,
            AllowNotCompared = allowNotCompared,
            // An interrupted run has not tested what it was asked to: it never passes.
            Passed = !interrupted && percent <= maxMismatchPercent,
        };
    }
}
