using Capture.Format.Records;

namespace Capture.Traffic.Pcap;

/// <summary>
/// Which connections go into the export, decided from what the records say about a connection.
/// Empty sets mean "any"; a connection must pass every non-empty set. A connection whose open was
/// not recorded has no known pid or ports, so it passes only when no pid or port is asked for.
/// </summary>
public sealed class ConnectionSelector
{
    public static ConnectionSelector All { get; } = new();

    public IReadOnlySet<int> Pids { get; init; } = new HashSet<int>();
    /// <summary>Matches the local or the remote port.</summary>
    public IReadOnlySet<int> Ports { get; init; } = new HashSet<int>();
    public IReadOnlySet<ulong> ConnectionIds { get; init; } = new HashSet<ulong>();
    /// <summary>An extra test by connection id, for filters decided elsewhere (for example by HTTP content).</summary>
    public Func<ulong, bool>? Predicate { get; init; }

    public bool IsSelected(ulong connectionId, ConnectionOpenedRecord? open)
    {
        if (ConnectionIds.Count > 0 && !ConnectionIds.Contains(connectionId))
            return false;
        if (Pids.Count > 0 && (open is null || !Pids.Contains(open.Pid)))
            return false;
        if (Ports.Count > 0 && !MatchesPort(open))
            return false;
        return Predicate is null || Predicate(connectionId);
    }

    private bool MatchesPort(ConnectionOpenedRecord? open) =>
        open is not null
        && ((open.Local is { } local && Ports.Contains(local.Port))
            || (open.Remote is { } remote && Ports.Contains(remote.Port)));
}
