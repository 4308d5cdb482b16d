namespace Capture.Traffic.Pcap;

/// <summary>TCP header flag bits (RFC 9293).</summary>
[Flags]
internal enum TcpFlags : byte
{
    None = 0,
    Fin = 0x01,
    Syn = 0x02,
    Psh = 0x08,
    Ack = 0x10,
}
