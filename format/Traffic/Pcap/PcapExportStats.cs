namespace Capture.Traffic.Pcap;

/// <summary>What an export wrote; counts, so the CLI can summarize and tests can check.</summary>
public sealed class PcapExportStats
{
    public long Connections { get; internal set; }
    /// <summary>Connections first seen by their data because their open record is missing (truncated file).</summary>
    public long ConnectionsWithoutOpen { get; internal set; }
    /// <summary>Connections left out by the selector.</summary>
    public long ConnectionsSkipped { get; internal set; }
    /// <summary>Second ends of connections whose both ends were traced (client and server on one host); the first end seen is written.</summary>
    public long TwinConnectionsSkipped { get; internal set; }
    public long Packets { get; internal set; }
    public long PayloadBytes { get; internal set; }
    /// <summary>Holes in a stream (cut, unrecoverable or missing bytes), each a sequence jump.</summary>
    public long Gaps { get; internal set; }
    public long GapBytes { get; internal set; }
    /// <summary>Connections whose payload is TLS plaintext, written as cleartext TCP on their real port.</summary>
    public long TlsPlaintextConnections { get; internal set; }
}
