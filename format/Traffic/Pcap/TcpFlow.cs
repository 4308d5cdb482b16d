using System.Net;
using System.Net.Sockets;

namespace Capture.Traffic.Pcap;

/// <summary>
/// One direction of a synthesized TCP connection: its addresses and ports, and where its sequence
/// space stands. Sequence numbers are a fixed function of stream offsets, so a gap in the recorded
/// stream becomes a jump of exactly the gap's size.
/// </summary>
internal sealed class TcpFlow
{
    public TcpFlow(IPEndPoint source, IPEndPoint destination, byte sourceMac, byte destinationMac, uint initialSequence, bool synObserved)
    {
        IsIPv6 = source.AddressFamily == AddressFamily.InterNetworkV6;
        SourceAddress = source.Address.GetAddressBytes();
        DestinationAddress = destination.Address.GetAddressBytes();
        SourcePort = (ushort)source.Port;
        DestinationPort = (ushort)destination.Port;
        SourceMac = sourceMac;
        DestinationMac = destinationMac;
        InitialSequence = initialSequence;
        // The SYN takes one sequence number before the first stream byte.
        FirstByteSequence = synObserved ? unchecked(initialSequence + 1) : initialSequence;
        Started = synObserved;
        AddressSum = InternetChecksum.Add(InternetChecksum.Add(0, SourceAddress), DestinationAddress);
        Source = source;
        Destination = destination;
    }

    public IPEndPoint Source { get; }
    public IPEndPoint Destination { get; }
    public bool IsIPv6 { get; }
    public byte[] SourceAddress { get; }
    public byte[] DestinationAddress { get; }
    public ushort SourcePort { get; }
    public ushort DestinationPort { get; }
    /// <summary>Last byte of a locally administered MAC (02:00:00:00:00:xx) naming this end.</summary>
    public byte SourceMac { get; }
    public byte DestinationMac { get; }
    /// <summary>Checksum sum of both addresses, the constant part of the TCP pseudo-header.</summary>
    public ulong AddressSum { get; }

    public uint InitialSequence { get; }
    public uint FirstByteSequence { get; }

    /// <summary>Stream offset just past everything this direction has sent, captured or not.</summary>
    public ulong NextOffset { get; set; }
    /// <summary>Stream offset up to which the other direction has acknowledged.</summary>
    public ulong AckedOffset { get; set; }
    /// <summary>Stream offset just past the last byte actually put in a packet; below <see cref="NextOffset"/> after a gap.</summary>
    public ulong WrittenOffset { get; set; }
    /// <summary>Whether Wireshark has seen this direction's sequence space start (a SYN or a first segment).</summary>
    public bool Started { get; set; }
    public bool FinSent { get; set; }
    public ushort NextIpId { get; set; }

    public uint SequenceAt(ulong streamOffset) => unchecked(FirstByteSequence + (uint)streamOffset);

    /// <summary>What the other end acknowledges: past all bytes sent, and past the FIN once sent.</summary>
    public uint AcknowledgementNumber => unchecked(SequenceAt(NextOffset) + (FinSent ? 1u : 0u));
}
