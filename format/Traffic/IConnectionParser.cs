namespace Capture.Traffic;

/// <summary>
/// A protocol parser for one connection: both directions' bytes in stream order, holes as lengths,
/// exchanges out through the callback it was made with. HTTP/1.x (<see cref="Reassembly.Http1ConnectionParser"/>)
/// and HTTP/2 (<see cref="Http2.Http2Connection"/>) implement it, so that stream ordering, gaps and
/// sinks need not know the protocol.
/// </summary>
internal interface IConnectionParser : IDisposable
{
    /// <param name="data">Bytes in stream order. The parser copies what it keeps.</param>
    void OnData(TrafficDirection direction, ReadOnlyMemory<byte> data, ulong timestampNs);

    /// <summary><paramref name="bytes"/> of this direction were never captured at this point.</summary>
    void OnGap(TrafficDirection direction, long bytes, ulong timestampNs);

    /// <summary>The connection closed or the capture ended: everything still open is handed out, marked.</summary>
    void OnEnd(ulong timestampNs);

    /// <summary>Start of the oldest exchange begun but not handed out yet, if any (bounds start-order sorting).</summary>
    ulong? OldestPendingStartNs { get; }

    /// <summary>Captured bytes thrown away while looking for the next message or frame boundary.</summary>
    long SkippedBytes { get; }
}
