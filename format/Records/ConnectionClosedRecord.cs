namespace Capture.Format.Records;

/// <summary>A recorded connection was closed; totals count every byte the calls moved, captured or not.</summary>
public sealed record ConnectionClosedRecord(ulong TimestampNs, ulong ConnectionId, ulong BytesSent, ulong BytesReceived) : CaptureRecord(TimestampNs)
{
    public override RecordKind Kind => RecordKind.ConnectionClosed;
}
