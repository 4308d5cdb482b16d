using System.Text;
using Capture.Format.Records;

namespace Capture.Traffic.Pcap;

/// <summary>
/// One recorded connection on its way to packets: what its open record said, and, once its ends are
/// known, the two TCP directions. Lives from first sight to close, so memory follows open connections.
/// </summary>
internal sealed class SyntheticConnection
{
    private const byte TracedMac = 0x01;
    private const byte PeerMac = 0x02;

    /// <param name="host">The recording host, named in the comment when the capture was merged from several.</param>
    public SyntheticConnection(ulong id, ConnectionOpenedRecord? open, string? host = null)
    {
        Id = id;
        Open = open;
        string who = open is null
            ? $"connection {id}, process unknown (open not recorded)"
            : $"pid {open.Pid} ({Shorten(open.ProcessName)}), connection {id}";
        if (open is not null && (open.Flags & ConnectionFlags.Tls) != 0)
            who += ", TLS plaintext";
        if (host is not null)
            who = $"host {Shorten(host)}, {who}";
        Comment = Encoding.UTF8.GetBytes(who);
    }

    public ulong Id { get; }
    public ConnectionOpenedRecord? Open { get; }
    /// <summary>UTF-8 comment put on every packet of this connection: pid, process name, connection id.</summary>
    public byte[] Comment { get; }

    public ConnectionEndpoints? Endpoints { get; private set; }
    /// <summary>Bytes written by the traced process (Egress).</summary>
    public TcpFlow? Traced { get; private set; }
    /// <summary>Bytes read by the traced process (Ingress).</summary>
    public TcpFlow? Peer { get; private set; }

    public bool HasFlows => Traced is not null;

    /// <param name="synObserved">Whether a handshake will be written, so sequence numbers leave room for the SYN.</param>
    public void CreateFlows(ConnectionEndpoints endpoints, bool synObserved)
    {
        Endpoints = endpoints;
        Traced = new TcpFlow(endpoints.Traced, endpoints.Peer, TracedMac, PeerMac, InitialSequence(Id, 0x5EED_0001), synObserved);
        Peer = new TcpFlow(endpoints.Peer, endpoints.Traced, PeerMac, TracedMac, InitialSequence(Id, 0x5EED_0002), synObserved);
    }

    public TcpFlow From(Direction direction) => direction == Direction.Egress ? Traced! : Peer!;
    public TcpFlow To(Direction direction) => direction == Direction.Egress ? Peer! : Traced!;

    /// <summary>Comments are repeated on every packet and limited to 64 KiB: a name is a name, not a command line.</summary>
    private static string Shorten(string name) => name.Length <= 64 ? name : name[..64];

    /// <summary>Deterministic, well-spread initial sequence numbers: the same capture always gives the same file.</summary>
    private static uint InitialSequence(ulong connectionId, ulong salt)
    {
        ulong x = (connectionId ^ salt) * 0x9E37_79B9_7F4A_7C15UL;
        x ^= x >> 29;
        x *= 0xBF58_476D_1CE4_E5B9UL;
        return (uint)(x >> 32);
    }
}
