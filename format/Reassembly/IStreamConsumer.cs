using Capture.Format.Records;

namespace Capture.Format.Reassembly;

/// <summary>Receives one connection's bytes in stream order, with holes reported as lengths.</summary>
internal interface IStreamConsumer
{
    void OnData(Direction direction, ReadOnlySpan<byte> data, ulong timestampNs);
    void OnGap(Direction direction, long bytes, ulong timestampNs);
}
