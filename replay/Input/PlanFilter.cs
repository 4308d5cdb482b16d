using System.Text.RegularExpressions;

namespace Capture.Replay.Input;

/// <summary>
/// Which recorded requests to replay. Same meaning as the filters of `capture har`
/// (all given filters must match; several values of one filter are alternatives),
/// plus <see cref="ExcludePath"/>.
/// </summary>
public sealed record PlanFilter
{
    public IReadOnlyList<int> Pids { get; init; } = [];
    /// <summary>Recorded host names (no port), matched case-insensitively.</summary>
    public IReadOnlyList<string> Hosts { get; init; } = [];
    public IReadOnlyList<string> Methods { get; init; } = [];
    public IReadOnlyList<string> PathPrefixes { get; init; } = [];
    /// <summary>Recorded status: an exact code ("404") or a class ("5xx").</summary>
    public IReadOnlyList<string> Statuses { get; init; } = [];
    public Regex? ExcludePath { get; init; }

    public bool IsEmpty => Pids.Count == 0 && Hosts.Count == 0 && Methods.Count == 0 &&
                           PathPrefixes.Count == 0 && Statuses.Count == 0 && ExcludePath is null;

    public ReplayPlan Apply(ReplayPlan plan) => IsEmpty ? plan : plan.Where(Matches);

    public bool Matches(ReplayRequest r)
    {
        string path = r.PathAndQuery;
        return (Pids.Count == 0 || (r.Pid is int pid && Pids.Contains(pid))) &&
               (Hosts.Count == 0 || Hosts.Any(h => string.Equals(h, r.Host, StringComparison.OrdinalIgnoreCase))) &&
               (Methods.Count == 0 || Methods.Any(m => string.Equals(m, r.Method, StringComparison.OrdinalIgnoreCase))) &&
               (PathPrefixes.Count == 0 || PathPrefixes.Any(p => path.StartsWith(p, StringComparison.Ordinal))) &&
               (Statuses.Count == 0 || Statuses.Any(s => StatusMatches(s, r.Response.Status))) &&
               (ExcludePath is null || !ExcludePath.IsMatch(path));
    }

    /// <summary>True when <paramref name="spec"/> is a valid status filter ("200", "2xx").</summary>
    public static bool IsValidStatus(string spec) =>
        (spec.Length == 3 && char.IsAsciiDigit(spec[0]) && spec[1..].All(char.IsAsciiDigit)) ||
        (spec.Length == 3 && char.IsAsciiDigit(spec[0]) && spec[1..].Equals("xx", StringComparison.OrdinalIgnoreCase));

    static bool StatusMatches(string spec, int status) =>
        spec.EndsWith("xx", StringComparison.OrdinalIgnoreCase)
            ? status / 100 == spec[0] - '0'
            : int.TryParse(spec, out int code) && code == status;
}
