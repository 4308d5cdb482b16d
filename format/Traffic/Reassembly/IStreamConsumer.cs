using Capture.Format.Records;

namespace Capture.Traffic.Reassembly;

/// <summary>Receives one connection's bytes in stream order, with holes reported as lengths.</summary>
internal interface IStreamConsumer
{
    /// <summary>
    /// <paramref name="data"/> is valid only during the call: the caller may reuse its memory afterwards
    /// (a reader that recycles its payload buffers), so a consumer copies whatever it keeps.
    /// </summary>
    void OnData(Direction direction, ReadOnlyMemory<byte> data, ulong timestampNs);
    void OnGap(Direction direction, long bytes, ulong timestampNs);
}
