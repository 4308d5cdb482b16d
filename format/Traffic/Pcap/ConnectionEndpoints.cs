using System.Net;
using System.Net.Sockets;
using Capture.Traffic.Reassembly;
using Capture.Format.Records;

namespace Capture.Traffic.Pcap;

/// <summary>
/// The two ends of a synthesized connection: the traced process's end and its peer, with which of them
/// is the TCP client. Unknown addresses become documentation addresses (RFC 5737, RFC 3849) and
/// unknown ports a server port of 80 and a client port derived from the connection id.
/// </summary>
internal sealed record ConnectionEndpoints(IPEndPoint Traced, IPEndPoint Peer, bool TracedIsClient)
{
    public static readonly IPAddress PlaceholderTracedIPv4 = IPAddress.Parse("192.0.2.1");
    public static readonly IPAddress PlaceholderPeerIPv4 = IPAddress.Parse("198.51.100.1");
    public static readonly IPAddress PlaceholderTracedIPv6 = IPAddress.Parse("2001:db8::1");
    public static readonly IPAddress PlaceholderPeerIPv6 = IPAddress.Parse("2001:db8::2");
    public const int PlaceholderServerPort = 80;

    /// <param name="firstData">The connection's first recorded data, used to guess the role when nothing else tells it.</param>
    public static ConnectionEndpoints Resolve(ulong connectionId, ConnectionOpenedRecord? open, DataRecord? firstData)
    {
        bool tracedIsClient = IsTracedClient(open, firstData);
        IPEndPoint? local = ConnectionInfo.Normalize(open?.Local);
        IPEndPoint? remote = ConnectionInfo.Normalize(open?.Remote);

        // Both ends must share one IP version; an IPv4 end next to an IPv6 one is written IPv4-mapped.
        bool ipv6 = local?.AddressFamily == AddressFamily.InterNetworkV6 || remote?.AddressFamily == AddressFamily.InterNetworkV6;
        IPAddress localAddress = local?.Address ?? (ipv6 ? PlaceholderTracedIPv6 : PlaceholderTracedIPv4);
        IPAddress remoteAddress = remote?.Address ?? (ipv6 ? PlaceholderPeerIPv6 : PlaceholderPeerIPv4);
        if (ipv6)
        {
            localAddress = localAddress.AddressFamily == AddressFamily.InterNetwork ? localAddress.MapToIPv6() : localAddress;
            remoteAddress = remoteAddress.AddressFamily == AddressFamily.InterNetwork ? remoteAddress.MapToIPv6() : remoteAddress;
        }

        int clientPort = 32768 + (int)(connectionId % 28232); // inside Linux's default ephemeral range
        int localPort = local is { Port: > 0 } ? local.Port : tracedIsClient ? clientPort : PlaceholderServerPort;
        int remotePort = remote is { Port: > 0 } ? remote.Port : tracedIsClient ? PlaceholderServerPort : clientPort;
        return new ConnectionEndpoints(new IPEndPoint(localAddress, localPort), new IPEndPoint(remoteAddress, remotePort), tracedIsClient);
    }

    private static bool IsTracedClient(ConnectionOpenedRecord? open, DataRecord? firstData)
    {
        switch (open?.Role)
        {
            case ConnectionRole.Client: return true;
            case ConnectionRole.Server: return false;
        }
        switch (open?.Source)
        {
            case ConnectionSource.Connect: return true;
            case ConnectionSource.Accept: return false;
        }
        if (firstData is { Payload.Length: > 0 } && LooksLikeHttp(firstData.Payload.Span, out bool isResponse))
        {
            // A response travels from the server; a request from the client.
            bool senderIsServer = isResponse;
            bool senderIsTraced = firstData.Direction == Direction.Egress;
            return senderIsTraced != senderIsServer;
        }
        if (open is { Local.Port: > 0, Remote.Port: > 0 })
            return open.Local!.Port > open.Remote!.Port; // servers usually sit on the lower port
        return true;
    }

    /// <summary>A first-line sniff only: "HTTP/" starts a response, an upper-case token and a space a request.</summary>
    private static bool LooksLikeHttp(ReadOnlySpan<byte> payload, out bool isResponse)
    {
        isResponse = payload.StartsWith("HTTP/"u8);
        if (isResponse)
            return true;
        int i = 0;
        while (i < payload.Length && i < 16 && payload[i] is >= (byte)'A' and <= (byte)'Z')
            i++;
        return i > 0 && i < payload.Length && payload[i] == (byte)' ';
    }
}
