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

    /// <summary><see cref="ExchangeFilter"/>'s rules applied to a plan item read from HAR.</summary>
    bool MatchesExchangeFilter(ReplayRequest r)
    {
        var f = Exchange;
        if (f.Pid is int pid && r.Pid != pid)
            return false;
        if (f.Method is string method && !string.Equals(method, r.Method, StringComparison.OrdinalIgnoreCase))
            return false;
        if (f.PathPrefix is string prefix && !Path(r).StartsWith(prefix, StringComparison.Ordinal))
            return false;
        if (f.Status is { } status && !status.Contains(r.Response.Status))
            return false;
        if (f.Host is string host && !HostMatches(r, host))
            return false;
        return true;
    }

    static string Path(ReplayRequest r)
    {
        string p = r.PathAndQuery;
        int q = p.IndexOf('?');
        return q < 0 ? p : p[..q];
    }

    /// <summary>The recorded Host header or URL authority, with or without its port.</summary>
    static bool HostMatches(ReplayRequest r, string wanted)
    {
        string authority = r.Headers.FirstOrDefault(h => string.Equals(h.Name, "Host", StringComparison.OrdinalIgnoreCase))?.Value
                           ?? RecordedUrl.Authority(r.Url);
        return string.Equals(authority, wanted, StringComparison.OrdinalIgnoreCase) ||
               string.Equals(RecordedUrl.Host("http://" + authority).Trim('[', ']'), wanted.Trim('[', ']'), StringComparison.OrdinalIgnoreCase);
    }
}
