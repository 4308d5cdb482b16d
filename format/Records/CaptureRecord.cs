namespace Capture.Format.Records;

/// <summary>
/// One record of a capture file. <see cref="TimestampNs"/> is the kernel's monotonic clock;
/// <see cref="CaptureHeader.ToWallClock"/> turns it into wall-clock time.
/// </summary>
public abstract record CaptureRecord(ulong TimestampNs)
{
    public abstract RecordKind Kind { get; }
}
