using System.Net;
using Capture.Format.Reassembly;
using Capture.Format.Records;

namespace Capture.Format.Pcap;

/// <summary>
/// Finds the second end of a connection whose both processes were traced (curl and a server on one
/// host): its local endpoint is the first end's remote one and the other way round, on the same host (a
/// merged capture holds many hosts' 127.0.0.1). Holds only open connections with known addresses.
/// </summary>
internal sealed class TwinDetector
{
    private readonly HashSet<(string Scope, IPEndPoint Local, IPEndPoint Remote)> _open = new();

    /// <summary>Remembers <paramref name="open"/>; false if it is the other end of a connection already open.</summary>
    public bool Register(ConnectionOpenedRecord open, string host)
    {
        if (Key(open, host) is not { } key)
            return true;
        if (_open.Contains((key.Scope, key.Remote, key.Local)))
            return false;
        _open.Add(key);
        return true;
    }

    public void Unregister(ConnectionOpenedRecord open, string host)
    {
        if (Key(open, host) is { } key)
            _open.Remove(key);
    }

    private static (string Scope, IPEndPoint Local, IPEndPoint Remote)? Key(ConnectionOpenedRecord open, string host) =>
        open is { Local: { Port: > 0 } local, Remote: { Port: > 0 } remote }
            ? (ConnectionInfo.ScopeOf(host, open.Container), ConnectionInfo.Normalize(local)!, ConnectionInfo.Normalize(remote)!)
            : null;
}
