namespace Capture.Traffic.Reassembly;

/// <summary>What the extractor saw and did, for the summary a user reads.</summary>
public sealed class ExtractionStats
{
    public long Connections { get; internal set; }
    /// <summary>Connections recognised as the other end of an already known one.</summary>
    public long TwinConnections { get; internal set; }
    public long Exchanges { get; internal set; }
    /// <summary>Exchanges dropped because the other end of the connection reported the same one.</summary>
    public long DuplicateExchangesDropped { get; internal set; }
    public long DataRecords { get; internal set; }
    public long PayloadBytes { get; internal set; }
    /// <summary>Stream bytes that were never captured (holes, cut payloads, unreadable sendfile).</summary>
    public long GapBytes { get; internal set; }
    /// <summary>Captured bytes thrown away while looking for the next message start.</summary>
    public long SkippedBytes { get; internal set; }
    /// <summary>Connections decoded as HTTP/2 (seen from their preface, or joined mid-way with plausible frames); one exchange per stream.</summary>
    public long Http2Connections { get; internal set; }
    /// <summary>Bytes after an upgrade or CONNECT, which are not HTTP.</summary>
    public long TunnelBytes { get; internal set; }
    /// <summary>Events and bytes the recorder reported as lost (ring buffer full, caps...).</summary>
    public long LostEvents { get; internal set; }
    public long LostBytes { get; internal set; }
    /// <summary>Exchanges handed out with an earlier start than one already handed out (the reorder window overflowed).</summary>
    public long OutOfOrder { get; internal set; }
}
