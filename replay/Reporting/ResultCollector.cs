using System.Text;
using Capture.Replay.Comparison;
using Capture.Replay.Input;
using Capture.Replay.Latency;
using Capture.Replay.Sending;

namespace Capture.Replay.Reporting;

/// <summary>
/// Accumulates outcomes as they arrive (from many workers) into counters, histograms and
/// the mismatch/error lists, so memory does not grow with run length except for mismatches.
/// </summary>
internal sealed class ResultCollector(ComparisonRules rules, bool keepExchanges)
{
    const int MaxListedErrors = ReportLimits.MaxListedErrors;
    const int MaxListedMismatches = ReportLimits.MaxListedMismatches;
    const int PreviewChars = 300;

    readonly Lock _lock = new();
    readonly LatencyRecorder _replay = new(), _recorded = new(), _lag = new();
    readonly Dictionary<string, RouteTotals> _routes = new(StringComparer.Ordinal);
    readonly Dictionary<ReplayRequest, string> _routeOf = new(ReferenceEqualityComparer.Instance);
    readonly List<MismatchReport> _mismatches = [];
    readonly List<ErrorReport> _errors = [];
    readonly List<SkippedReport> _skipped = [];
    readonly Dictionary<string, int> _notCompared = new(StringComparer.Ordinal);
    readonly Dictionary<string, int> _errorKinds = new(StringComparer.Ordinal);
    readonly List<ReplayedExchange>? _exchanges = keepExchanges ? [] : null;
    int _total, _matched, _mismatched, _notComparedCount, _errorCount, _skippedCount, _errorsNotListed, _skippedNotListed, _mismatchesNotListed, _retries;

    public void CountRetry() => Interlocked.Increment(ref _retries);

    public void Add(ReplayRequest request, int iteration, SendOutcome outcome, ComparisonResult? comparison,
        TimeSpan scheduleLag, DateTimeOffset sentAt)
    {
        lock (_lock)
        {
            string route = Route(request);
            _total++;
            _lag.Record(scheduleLag);
            var stats = Stats(route);
            stats.Count++;
            if (request.RecordedMilliseconds is double recordedMs)
            {
                _recorded.RecordMilliseconds(recordedMs);
                stats.Recorded.RecordMilliseconds(recordedMs);
            }
            if (outcome.Refusal is string reason)
            {
                _skippedCount++;
                stats.Skipped++;
                if (_skipped.Count < MaxListedErrors)
                    _skipped.Add(new SkippedReport(request.Index, iteration, route, Summary(request, outcome), reason));
                else
                    _skippedNotListed++;
            }
            else if (outcome.Response is not { } response || comparison is null)
            {
                _errorCount++;
                stats.Errors++;
                string kind = outcome.ErrorKind ?? ErrorKinds.Other;
                _errorKinds[kind] = _errorKinds.GetValueOrDefault(kind) + 1;
                if (_errors.Count < MaxListedErrors)
                    _errors.Add(new ErrorReport(request.Index, iteration, route, Summary(request, outcome), kind, outcome.ErrorMessage ?? kind, outcome.Attempts));
                else
                    _errorsNotListed++;
            }
            else
            {
                _replay.Record(outcome.Latency);
                stats.Replay.Record(outcome.Latency);
                if (!comparison.IsMatch)
                {
                    _mismatched++;
                    stats.Mismatched++;
                    if (_mismatches.Count >= MaxListedMismatches)
                        _mismatchesNotListed++;
                    else
                        _mismatches.Add(new MismatchReport(request.Index, iteration, route, Summary(request, outcome),
                            Expected(request), Actual(response),
                            comparison.Differences(request.Response.Status, response.Status)));
                }
                else if (comparison.Body is not BodyVerdict.Equal)
                {
                    // Status and headers as recorded, body unknown: not a match, whatever the gate makes of it.
                    _notComparedCount++;
                    stats.NotCompared++;
                    string why = ReasonName(comparison.Body);
                    _notCompared[why] = _notCompared.GetValueOrDefault(why) + 1;
                }
                else
                {
                    _matched++;
                    stats.Matched++;
                }
            }
            if (outcome.Refusal is null) // a skipped request was not sent: it is not a replayed exchange
                _exchanges?.Add(new ReplayedExchange(request.Index, iteration, sentAt, outcome.Latency.TotalMilliseconds,
                    request, outcome.Url, outcome.Response, outcome.ErrorKind));
        }
    }

    public ReplayProgress Snapshot(int? expected, double rate, TimeSpan elapsed)
    {
        lock (_lock)
            return new ReplayProgress(_total, _matched, _mismatched, _errorCount + _skippedCount, expected, rate, elapsed);
    }

    public ReplayReport Build(ReplayPlan plan, ReplayOptions options, DateTimeOffset startedAt, TimeSpan elapsed, bool interrupted, int circuitBreaks)
    {
        lock (_lock)
        {
            return new ReplayReport
            {
                Source = plan.Source,
                Target = options.Target.ToString(),
                InputSha256 = plan.InputSha256,
                Shard = plan.Shard,
                StartedAt = startedAt,
                DurationSeconds = Math.Round(elapsed.TotalSeconds, 3),
                Interrupted = interrupted,
                Summary = ReplayGate.Apply(new ReplaySummary
                {
                    Planned = plan.Requests.Count,
                    Total = _total,
                    Matched = _matched,
                    Mismatched = _mismatched,
                    NotCompared = _notComparedCount,
                    Errors = _errorCount,
                    Skipped = _skippedCount,
                    Retries = _retries,
                    CircuitBreaks = circuitBreaks,
                    RequestsPerSecond = elapsed.TotalSeconds > 0 ? Math.Round(_total / elapsed.TotalSeconds, 1) : 0,
                    SkippedNotHttp = plan.SkippedNotHttp,
                    Filtered = plan.Filtered,
                    BodiesNotCompared = new SortedDictionary<string, int>(_notCompared),
                    ErrorKinds = new SortedDictionary<string, int>(_errorKinds),
                    ReplayLatency = _replay.Summarize(),
                    RecordedLatency = _recorded.Summarize(),
                    ScheduleLag = _lag.Summarize(),
                }, interrupted, options.MaxMismatchPercent, options.AllowNotCompared),
                Routes = RouteTotals.Rows(_routes),
                Mismatches = _mismatches.OrderBy(m => m.Iteration).ThenBy(m => m.Index).ToList(),
                Errors = _errors.OrderBy(e => e.Iteration).ThenBy(e => e.Index).ToList(),
                ErrorsNotListed = _errorsNotListed,
                Skipped = _skipped.OrderBy(e => e.Iteration).ThenBy(e => e.Index).ToList(),
                SkippedNotListed = _skippedNotListed,
                MismatchesNotListed = _mismatchesNotListed,
                Exchanges = _exchanges?.OrderBy(e => e.Iteration).ThenBy(e => e.Index).ToList(),
            };
        }
    }

    /// <summary>Route templates are computed once per plan item: the regexes are not free at full speed.</summary>
    string Route(ReplayRequest request)
    {
        if (!_routeOf.TryGetValue(request, out var route))
            _routeOf[request] = route = RouteTemplate.For(request);
        return route;
    }

    static RequestSummary Summary(ReplayRequest request, SendOutcome outcome) => request.Body.Length == 0
        ? new(request.Method, outcome.Url, request.Url)
        : new(request.Method, outcome.Url, request.Url, Preview(request.Body), request.Body.Length);

    RouteTotals Stats(string route)
    {
        if (!_routes.TryGetValue(route, out var stats))
            _routes[route] = stats = new RouteTotals();
        return stats;
    }

    ResponseSummary Expected(ReplayRequest request)
    {
        var r = request.Response;
        return new ResponseSummary(r.Status, SelectedHeaders(r.Headers), r.Body is null ? null : Preview(r.Body), r.Body?.Length);
    }

    ResponseSummary Actual(ReceivedResponse response)
    {
        byte[] body = response.DecodedBody() ?? response.Body;
        return new ResponseSummary(response.Status, SelectedHeaders(response.Headers), Preview(body), body.Length);
    }

    /// <summary>The headers the user compares, plus Content-Type which explains most body differences.</summary>
    Dictionary<string, string>? SelectedHeaders(IReadOnlyList<HeaderField> headers)
    {
        var wanted = new HashSet<string>(rules.CompareHeaders, StringComparer.OrdinalIgnoreCase) { "Content-Type" };
        var selected = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var h in headers)
            if (wanted.Contains(h.Name) && !selected.ContainsKey(h.Name))
                selected[h.Name] = h.Value;
        return selected.Count == 0 ? null : selected;
    }

    static string Preview(byte[] body)
    {
        if (body.Length == 0)
            return "";
        int length = Math.Min(body.Length, PreviewChars * 2);
        string text = Encoding.UTF8.GetString(body, 0, length);
        if (text.Count(c => char.IsControl(c) && c is not ('\r' or '\n' or '\t')) > text.Length / 10)
            return $"({body.Length} bytes of binary data)";
        return text.Length > PreviewChars ? text[..PreviewChars] + "..." : text;
    }

    static string ReasonName(BodyVerdict verdict) => verdict switch
    {
        BodyVerdict.NotComparedRecordingTruncated => "recording-truncated",
        BodyVerdict.NotComparedRecordingIncomplete => "recording-incomplete",
        BodyVerdict.NotComparedNotRecorded => "not-recorded",
        BodyVerdict.NotComparedReplayTooLarge => "replay-too-large",
        _ => verdict.ToString(),
    };
}
