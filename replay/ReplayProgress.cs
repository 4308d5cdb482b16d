namespace Capture.Replay;

/// <summary>A progress snapshot, reported a few times per second while a replay runs.</summary>
public sealed record ReplayProgress(
    int Completed, int Matched, int Mismatched, int Errors,
    /// <summary>Requests to send in total, or null when running for a duration.</summary>
    int? Expected,
    /// <summary>Requests completed per second over the last interval.</summary>
    double CurrentRate,
    TimeSpan Elapsed);
