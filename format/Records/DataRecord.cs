namespace Capture.Format.Records;

/// <summary>
/// Bytes that one syscall (or one TLS library call) moved on a connection.
/// The payload occupies [StreamOffset, StreamOffset + Payload.Length) of that direction's stream;
/// the next <see cref="CutBytes"/> bytes of the stream were moved by the same call but not captured.
/// </summary>
public sealed record DataRecord(
    ulong TimestampNs,
    ulong ConnectionId,
    Direction Direction,
    ulong StreamOffset,
    ReadOnlyMemory<byte> Payload,
    ulong CutBytes,
    DataFlags Flags) : CaptureRecord(TimestampNs)
{
    public override RecordKind Kind => RecordKind.Data;

    /// <summary>Stream position just after this call's bytes (captured and cut).</summary>
    public ulong EndOffset => StreamOffset + (ulong)Payload.Length + CutBytes;
}
