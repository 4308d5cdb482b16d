using System.Net;
using Capture.Format.Records;

namespace Capture.Traffic.Reassembly;

/// <summary>
/// What the capture says about the connection an exchange travelled on. <see cref="Host"/> is the recording host's name;
/// <see cref="Container"/> its cgroup, network namespace and container, when the recording knew them.
/// </summary>
public sealed record ConnectionInfo(
    ulong ConnectionId,
    int Pid,
    string ProcessName,
    ConnectionRole Role,
    ConnectionSource Source,
    IPEndPoint? Local,
    IPEndPoint? Remote,
    bool IsTls,
    ulong OpenedNs = 0,
    ulong ConnectStartNs = 0,
    string Host = "",
    ContainerContext? Container = null)
{
    /// <summary>The server's end: our local address when we are the server, else the remote one. IPv4-mapped addresses are shown as IPv4.</summary>
    public IPEndPoint? ServerEndPoint => Normalize(Role == ConnectionRole.Server ? Local : Remote);

    public IPEndPoint? ClientEndPoint => Normalize(Role == ConnectionRole.Server ? Remote : Local);

    /// <summary>Where the two ends of one TCP connection both live: one host and, when known, one network namespace.</summary>
    internal string TwinScope => ScopeOf(Host, Container);

    internal static string ScopeOf(string host, ContainerContext? container) =>
        container is null ? host : $"{host}\u0000netns:{container.NetNsInode}";

    internal static ConnectionInfo From(ConnectionOpenedRecord r, string host) =>
        new(r.ConnectionId, r.Pid, r.ProcessName, r.Role, r.Source, r.Local, r.Remote, (r.Flags & ConnectionFlags.Tls) != 0,
            r.TimestampNs, r.ConnectStartNs, host, r.Container);

    /// <summary>A connection whose opening record was lost (for example in a corrupt block).</summary>
    internal static ConnectionInfo Unknown(ulong id, string host) =>
        new(id, 0, "", ConnectionRole.Unknown, ConnectionSource.Unknown, null, null, false, Host: host);

    /// <summary>See <see cref="WireAddress"/>.</summary>
    internal static IPEndPoint? Normalize(IPEndPoint? endPoint) => WireAddress.Of(endPoint);
}
