using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace Capture.Traffic.Pcap;

/// <summary>
/// Writes the Ethernet, IPv4/IPv6 and TCP headers of one segment, with correct IPv4 header and TCP
/// checksums. The payload is only read (for the checksum), never copied.
/// </summary>
internal static class TcpPacketHeaders
{
    public const int EthernetLength = 14;
    public const int IPv4Length = 20;
    public const int IPv6Length = 40;
    public const int TcpLength = 20;
    /// <summary>SYN segments carry one option, the MSS (kind 2, length 4).</summary>
    public const int MssOptionLength = 4;
    public const int MaxLength = EthernetLength + IPv6Length + TcpLength + MssOptionLength;

    private const ushort EtherTypeIPv4 = 0x0800;
    private const ushort EtherTypeIPv6 = 0x86DD;
    private const byte ProtocolTcp = 6;
    private const byte DefaultTtl = 64;
    // Never scaled: the exporter acknowledges well before 64 KiB are outstanding.
    private const ushort Window = 65535;

    /// <summary>Writes the headers into <paramref name="destination"/> and returns their length.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot per packet: skip the slow tiers
    public static int Write(Span<byte> destination, TcpFlow flow, uint sequence, uint acknowledgement, TcpFlags flags, ushort mssOption, ReadOnlySpan<byte> payload)
    {
        int tcpHeaderLength = TcpLength + (mssOption != 0 ? MssOptionLength : 0);
        int tcpLength = tcpHeaderLength + payload.Length;

        WriteEthernet(destination, flow);
        int ipLength = flow.IsIPv6
            ? WriteIPv6(destination[EthernetLength..], flow, tcpLength)
            : WriteIPv4(destination[EthernetLength..], flow, tcpLength);

        Span<byte> tcp = destination.Slice(EthernetLength + ipLength, tcpHeaderLength);
        BinaryPrimitives.WriteUInt16BigEndian(tcp, flow.SourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(tcp[2..], flow.DestinationPort);
        BinaryPrimitives.WriteUInt32BigEndian(tcp[4..], sequence);
        BinaryPrimitives.WriteUInt32BigEndian(tcp[8..], (flags & TcpFlags.Ack) != 0 ? acknowledgement : 0);
        tcp[12] = (byte)((tcpHeaderLength / 4) << 4);
        tcp[13] = (byte)flags;
        BinaryPrimitives.WriteUInt16BigEndian(tcp[14..], Window);
        tcp[16] = 0; tcp[17] = 0; // checksum, filled below
        tcp[18] = 0; tcp[19] = 0; // urgent pointer
        if (mssOption != 0)
        {
            tcp[20] = 2;
            tcp[21] = 4;
            BinaryPrimitives.WriteUInt16BigEndian(tcp[22..], mssOption);
        }

        // Pseudo-header: addresses (pre-summed), then protocol and TCP length as network-order words.
        Span<byte> pseudoTail = stackalloc byte[8];
        BinaryPrimitives.WriteUInt32BigEndian(pseudoTail, ProtocolTcp);
        BinaryPrimitives.WriteUInt32BigEndian(pseudoTail[4..], (uint)tcpLength);
        ulong sum = InternetChecksum.Add(flow.AddressSum, pseudoTail);
        sum = InternetChecksum.Add(sum, tcp);
        sum = InternetChecksum.Add(sum, payload);
        InternetChecksum.Write(tcp[16..], InternetChecksum.Finish(sum));

        return EthernetLength + ipLength + tcpHeaderLength;
    }

    private static void WriteEthernet(Span<byte> frame, TcpFlow flow)
    {
        // Locally administered unicast MACs 02:00:00:00:00:xx; the addresses carry no meaning.
        frame[..12].Clear();
        frame[0] = 0x02;
        frame[5] = flow.DestinationMac;
        frame[6] = 0x02;
        frame[11] = flow.SourceMac;
        BinaryPrimitives.WriteUInt16BigEndian(frame[12..], flow.IsIPv6 ? EtherTypeIPv6 : EtherTypeIPv4);
    }

    private static int WriteIPv4(Span<byte> ip, TcpFlow flow, int tcpLength)
    {
        ip[0] = 0x45; // version 4, 5 words
        ip[1] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(ip[2..], (ushort)(IPv4Length + tcpLength));
        BinaryPrimitives.WriteUInt16BigEndian(ip[4..], flow.NextIpId++);
        BinaryPrimitives.WriteUInt16BigEndian(ip[6..], 0x4000); // don't fragment
        ip[8] = DefaultTtl;
        ip[9] = ProtocolTcp;
        ip[10] = 0; ip[11] = 0;
        flow.SourceAddress.CopyTo(ip[12..]);
        flow.DestinationAddress.CopyTo(ip[16..]);
        InternetChecksum.Write(ip[10..], InternetChecksum.Compute(ip[..IPv4Length]));
        return IPv4Length;
    }

    private static int WriteIPv6(Span<byte> ip, TcpFlow flow, int tcpLength)
    {
        BinaryPrimitives.WriteUInt32BigEndian(ip, 0x6000_0000); // version 6, no traffic class or flow label
        BinaryPrimitives.WriteUInt16BigEndian(ip[4..], (ushort)tcpLength);
        ip[6] = ProtocolTcp;
        ip[7] = DefaultTtl;
        flow.SourceAddress.CopyTo(ip[8..]);
        flow.DestinationAddress.CopyTo(ip[24..]);
        return IPv6Length;
    }
}
