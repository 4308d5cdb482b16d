using System.Text.RegularExpressions;
using Capture.Traffic.Reassembly;

namespace Capture.Replay.Input;

/// <summary>
/// Which recorded requests to replay: the filters of `capture har` (<see cref="ExchangeFilter"/>,
/// same meaning for HAR and capture input) plus <see cref="ExcludePath"/>.
/// </summary>
public sealed record PlanFilter
{
    public ExchangeFilter Exchange { get; init; } = new();
    /// <summary>Leave out requests whose path (without query) matches.</summary>
    public Regex? ExcludePath { get; init; }

    public bool IsEmpty => Exchange.IsEmpty && ExcludePath is null;

    /// <summary>Reads a HAR or a capture file (told apart by content) and applies the filter.</summary>
    public ReplayPlan Load(string path)
    {
        var plan = PlanSource.IsHar(path)
            ? HarPlanReader.Load(path).Where(MatchesExchangeFilter)
            : CapturePlanReader.Load(path, Exchange.IsEmpty ? null : Exchange);
        plan = ExcludePath is null ? plan : plan.Where(r => !ExcludePath.IsMatch(Path(r)));
        return plan.WithInputSha256(PlanSource.Sha256(path));
    }

    public ReplayPlan Apply(ReplayPlan plan) => IsEmpty ? plan : plan.Where(r => MatchesExchangeFilter(r) && (ExcludePath is null || !ExcludePath.IsMatch(Path(r))));

    /// <summary><see cref="ExchangeFilter"/>'s rules applied to a plan item read from HAR: its Host header, else its URL's authority.</summary>
    bool MatchesExchangeFilter(ReplayRequest r) =>
        Exchange.Matches(new FilterSubject(r.Pid, null, r.Method, r.PathAndQuery, r.Response.Status,
            r.Headers.FirstOrDefault(h => string.Equals(h.Name, "Host", StringComparison.OrdinalIgnoreCase))?.Value ?? RecordedUrl.Authority(r.Url),
            null));

    static string Path(ReplayRequest r) => ExchangeFilter.RequestPath(r.PathAndQuery);
}
