namespace Capture.Replay.Reporting;

/// <summary>How many items a report lists; counts stay exact beyond them (the *NotListed fields).</summary>
internal static class ReportLimits
{
    /// <summary>Errors and skipped requests listed.</summary>
    public const int MaxListedErrors = 1000;
    // Every mismatch of a normal run is listed; the cap only keeps an hours-long --duration run
    // against a broken route from exhausting memory.
    public const int MaxListedMismatches = 10_000;
}
