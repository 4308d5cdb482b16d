using Capture.Replay.Latency;

namespace Capture.Replay.Reporting;

/// <summary>Everything a replay run found; serialised as the --report JSON.</summary>
public sealed record ReplayReport
{
    public required string Source { get; init; }
    public required string Target { get; init; }
    /// <summary>SHA-256 of the input file (hex); shards of one recording share it.</summary>
    public string? InputSha256 { get; init; }
    /// <summary>The shard this run replayed (--shard K/N), absent for the whole recording.</summary>
    public Input.Shard? Shard { get; init; }
    /// <summary>The reports `capture report merge` combined into this one, absent for a single run.</summary>
    public IReadOnlyList<string>? MergedFrom { get; init; }
    public required DateTimeOffset StartedAt { get; init; }
    public required double DurationSeconds { get; init; }
    /// <summary>The run was stopped (Ctrl+C, SIGTERM) before every request had its answer; such a run never passes.</summary>
    public bool Interrupted { get; init; }
    public required ReplaySummary Summary { get; init; }
    public required IReadOnlyList<RouteReport> Routes { get; init; }
    public required IReadOnlyList<MismatchReport> Mismatches { get; init; }
    public required IReadOnlyList<ErrorReport> Errors { get; init; }
    /// <summary>Requests not sent because they could not go out as recorded (the first <see cref="ReportLimits.MaxListedErrors"/>).</summary>
    public required IReadOnlyList<SkippedReport> Skipped { get; init; }
    /// <summary>Mismatches counted but not listed (the list keeps the first 10 000).</summary>
    public int MismatchesNotListed { get; init; }
    /// <summary>Errors counted but not listed (the list keeps the first 1000).</summary>
    public int ErrorsNotListed { get; init; }
    /// <summary>Skipped requests counted but not listed (the list keeps the first 1000).</summary>
    public int SkippedNotListed { get; init; }
    /// <summary>Every replayed exchange, only when asked for (HAR output).</summary>
    public IReadOnlyList<ReplayedExchange>? Exchanges { get; init; }
}

public sealed record ReplaySummary
{
    /// <summary>Requests in the plan after filters (one loop).</summary>
    public int Planned { get; init; }
    /// <summary>Requests processed: matched + mismatched + notCompared + errors + skipped.</summary>
    public int Total { get; init; }
    /// <summary>Status, compared headers and body as recorded.</summary>
    public int Matched { get; init; }
    public int Mismatched { get; init; }
    /// <summary>Status and compared headers as recorded, but the body could not be compared (see <see cref="BodiesNotCompared"/>).</summary>
    public int NotCompared { get; init; }
    /// <summary>Requests sent without an answer (connection failures, timeouts).</summary>
    public int Errors { get; init; }
    /// <summary>Requests not sent: they could not go out as recorded (a CR/LF in a header, a control character in the URL...).</summary>
    public int Skipped { get; init; }
    public int Retries { get; init; }
    public int CircuitBreaks { get; init; }
    /// <summary>Failed share of <see cref="Total"/>: mismatched + errors + skipped, and notCompared unless <see cref="AllowNotCompared"/>.</summary>
    public double MismatchPercent { get; init; }
    public double MaxMismatchPercent { get; init; }
    /// <summary>Answers whose body was not compared pass the gate (--allow-not-compared).</summary>
    public bool AllowNotCompared { get; init; }
    /// <summary>The run was not interrupted and the failed share is within the allowed percentage.</summary>
    public bool Passed { get; init; }
    public double RequestsPerSecond { get; init; }
    public int SkippedNotHttp { get; init; }
    public int Filtered { get; init; }
    /// <summary>The <see cref="NotCompared"/> answers by reason (recording truncated/incomplete, not recorded, replay too large).</summary>
    public required IReadOnlyDictionary<string, int> BodiesNotCompared { get; init; }
    public required IReadOnlyDictionary<string, int> ErrorKinds { get; init; }
    public required LatencySummary ReplayLatency { get; init; }
    public required LatencySummary RecordedLatency { get; init; }
    /// <summary>How late requests left compared with their scheduled time.</summary>
    public required LatencySummary ScheduleLag { get; init; }
}

public sealed record RouteReport(
    string Route, int Count, int Matched, int Mismatched, int NotCompared, int Errors, int Skipped,
    LatencySummary ReplayLatency, LatencySummary RecordedLatency);

public sealed record MismatchReport(
    int Index, int Iteration, string Route, RequestSummary Request,
    ResponseSummary Expected, ResponseSummary Actual, IReadOnlyList<string> Diff);

/// <summary>The request as sent (URL) and as recorded; the body preview only when there was a body.</summary>
public sealed record RequestSummary(string Method, string Url, string RecordedUrl, string? BodyPreview = null, int? BodyBytes = null);

public sealed record ResponseSummary(int Status, IReadOnlyDictionary<string, string>? Headers, string? BodyPreview, int? BodyBytes);

public sealed record ErrorReport(int Index, int Iteration, string Route, RequestSummary Request, string Kind, string Message, int Attempts);

/// <summary>A request that was not sent, and why (e.g. "header X-Foo value contains CR/LF").</summary>
public sealed record SkippedReport(int Index, int Iteration, string Route, RequestSummary Request, string Reason);

/// <summary>One replayed exchange in full, for writing a HAR of the replay.</summary>
public sealed record ReplayedExchange(
    int Index, int Iteration, DateTimeOffset StartedAt, double Milliseconds,
    Input.ReplayRequest Request, string Url, Comparison.ReceivedResponse? Response, string? ErrorKind);
