using System.Net;

namespace Capture.Traffic.Reassembly;

/// <summary>
/// The one rule for finding the two ends of one TCP connection when both processes were traced (curl and
/// a server on one host): one end's local address is the other's remote address and the other way round,
/// on the same host (a merged capture holds many hosts' 127.0.0.1). Holds only open ends with known addresses.
/// </summary>
internal sealed class ConnectionEnds<TEnd> where TEnd : class
{
    private readonly Dictionary<(string Host, IPEndPoint Local, IPEndPoint Remote), TEnd> _open = [];

    /// <summary>The open end whose addresses mirror these, if any.</summary>
    public TEnd? OtherEnd(string host, IPEndPoint? local, IPEndPoint? remote) =>
        Key(host, local, remote) is { } key && _open.TryGetValue((key.Host, key.Remote, key.Local), out var other) ? other : null;

    public void Add(TEnd end, string host, IPEndPoint? local, IPEndPoint? remote)
    {
        if (Key(host, local, remote) is { } key)
            _open[key] = end;
    }

    /// <summary>Forgets <paramref name="end"/> (not a newer end that has reused its addresses since).</summary>
    public void Remove(TEnd end, string host, IPEndPoint? local, IPEndPoint? remote)
    {
        if (Key(host, local, remote) is { } key && _open.TryGetValue(key, out var held) && held == end)
            _open.Remove(key);
    }

    /// <summary>True when the other end is on this host too (loopback, or our own address), so it may be a traced process.</summary>
    public static bool OtherEndMayBeHere(IPEndPoint? local, IPEndPoint? remote) =>
        Key("", local, remote) is { } key && (IPAddress.IsLoopback(key.Remote.Address) || key.Remote.Address.Equals(key.Local.Address));

    private static (string Host, IPEndPoint Local, IPEndPoint Remote)? Key(string host, IPEndPoint? local, IPEndPoint? remote) =>
        local is { Port: > 0 } && remote is { Port: > 0 }
            ? (host, ConnectionInfo.Normalize(local)!, ConnectionInfo.Normalize(remote)!)
            : null;
}
