using System.Net;

namespace Capture.Format.Records;

/// <summary>
/// A TCP connection seen for the first time. <see cref="ConnectionId"/> is unique within the file;
/// it stands for the kernel's (pid, fd, generation) identity, because fds are reused after close.
/// Addresses are null when the kernel could not read them.
/// </summary>
public sealed record ConnectionOpenedRecord(
    ulong TimestampNs,
    ulong ConnectionId,
    int Pid,
    int Fd,
    string ProcessName,
    ConnectionRole Role,
    ConnectionSource Source,
    IPEndPoint? Local,
    IPEndPoint? Remote,
    ConnectionFlags Flags) : CaptureRecord(TimestampNs)
{
    public override RecordKind Kind => RecordKind.ConnectionOpened;
}
