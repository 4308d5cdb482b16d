using Capture.Format.Records;

namespace Capture.Traffic.Reassembly;

/// <summary>Receives one connection's bytes in stream order, with holes reported as lengths.</summary>
internal interface IStreamConsumer
{
    /// <summary><paramref name="data"/> belongs to a record and is never reused, so parsers may keep slices of it.</summary>
    void OnData(Direction direction, ReadOnlyMemory<byte> data, ulong timestampNs);
    void OnGap(Direction direction, long bytes, ulong timestampNs);
}
