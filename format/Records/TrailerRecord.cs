namespace Capture.Format.Records;

/// <summary>Written once, on a clean stop: the totals of the whole recording.</summary>
public sealed record TrailerRecord(
    ulong TimestampNs,
    ulong Records,
    ulong Connections,
    ulong DataEvents,
    ulong DataBytes,
    ulong LostEvents,
    ulong LostBytes) : CaptureRecord(TimestampNs)
{
    public override RecordKind Kind => RecordKind.Trailer;
}
