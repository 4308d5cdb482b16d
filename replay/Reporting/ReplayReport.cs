using Capture.Replay.Latency;

namespace Capture.Replay.Reporting;

/// <summary>Everything a replay run found; serialised as the --report JSON.</summary>
public sealed record ReplayReport
{
    public required string Source { get; init; }
    public required string Target { get; init; }
    public required DateTimeOffset StartedAt { get; init; }
    public required double DurationSeconds { get; init; }
    /// <summary>The run was stopped (Ctrl+C) before the plan was done.</summary>
    public bool Interrupted { get; init; }
    public required ReplaySummary Summary { get; init; }
    public required IReadOnlyList<RouteReport> Routes { get; init; }
    public required IReadOnlyList<MismatchReport> Mismatches { get; init; }
    public required IReadOnlyList<ErrorReport> Errors { get; init; }
    /// <summary>Mismatches counted but not listed (the list keeps the first 10 000).</summary>
    public int MismatchesNotListed { get; init; }
    /// <summary>Errors counted but not listed (the list keeps the first 1000).</summary>
    public int ErrorsNotListed { get; init; }
    /// <summary>Every replayed exchange, only when asked for (HAR output).</summary>
    public IReadOnlyList<ReplayedExchange>? Exchanges { get; init; }
}

public sealed record ReplaySummary
{
    /// <summary>Requests in the plan after filters (one loop).</summary>
    public int Planned { get; init; }
    /// <summary>Requests processed: matched + mismatched + errors.</summary>
    public int Total { get; init; }
    public int Matched { get; init; }
    public int Mismatched { get; init; }
    public int Errors { get; init; }
    public int Retries { get; init; }
    public int CircuitBreaks { get; init; }
    public double MismatchPercent { get; init; }
    public double MaxMismatchPercent { get; init; }
    /// <summary>(mismatched + errors) is within the allowed percentage.</summary>
    public bool Passed { get; init; }
    public double RequestsPerSecond { get; init; }
    public int SkippedNotHttp { get; init; }
    public int Filtered { get; init; }
    /// <summary>Bodies that were not compared, by reason (recording truncated/incomplete, not recorded...).</summary>
    public required IReadOnlyDictionary<string, int> BodiesNotCompared { get; init; }
    public required IReadOnlyDictionary<string, int> ErrorKinds { get; init; }
    public required LatencySummary ReplayLatency { get; init; }
    public required LatencySummary RecordedLatency { get; init; }
    /// <summary>How late requests left compared with their scheduled time.</summary>
    public required LatencySummary ScheduleLag { get; init; }
}

public sealed record RouteReport(
    string Route, int Count, int Matched, int Mismatched, int Errors,
    LatencySummary ReplayLatency, LatencySummary RecordedLatency);

public sealed record MismatchReport(
    int Index, int Iteration, string Route, RequestSummary Request,
    ResponseSummary Expected, ResponseSummary Actual, IReadOnlyList<string> Diff);

/// <summary>The request as sent (URL) and as recorded; the body preview only when there was a body.</summary>
public sealed record RequestSummary(string Method, string Url, string RecordedUrl, string? BodyPreview = null, int? BodyBytes = null);

public sealed record ResponseSummary(int Status, IReadOnlyDictionary<string, string>? Headers, string? BodyPreview, int? BodyBytes);

public sealed record ErrorReport(int Index, int Iteration, string Route, RequestSummary Request, string Kind, string Message, int Attempts);

/// <summary>One replayed exchange in full, for writing a HAR of the replay.</summary>
public sealed record ReplayedExchange(
    int Index, int Iteration, DateTimeOffset StartedAt, double Milliseconds,
    Input.ReplayRequest Request, string Url, Comparison.ReceivedResponse? Response, string? ErrorKind);
