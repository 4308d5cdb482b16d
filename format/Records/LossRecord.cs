namespace Capture.Format.Records;

/// <summary>Events and bytes that were lost since the previous loss record of the same reason.</summary>
public sealed record LossRecord(ulong TimestampNs, LossReason Reason, ulong LostEvents, ulong LostBytes) : CaptureRecord(TimestampNs)
{
    public override RecordKind Kind => RecordKind.Loss;
}
