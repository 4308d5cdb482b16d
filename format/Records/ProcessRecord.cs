namespace Capture.Format.Records;

/// <summary>A process that owns recorded connections.</summary>
public sealed record ProcessRecord(ulong TimestampNs, int Pid, string Name, string CommandLine) : CaptureRecord(TimestampNs)
{
    public override RecordKind Kind => RecordKind.Process;
}
