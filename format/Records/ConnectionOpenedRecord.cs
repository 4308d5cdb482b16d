using System.Net;

namespace Capture.Format.Records;

/// <summary>
/// A TCP connection seen for the first time. <see cref="ConnectionId"/> is unique within the file;
/// it stands for the kernel's (pid, fd, generation) identity, because fds are reused after close.
/// Addresses are null when the kernel could not read them.
/// <see cref="TimestampNs"/> is when the connection was established: accept() returned, the handshake of
/// connect() ended, or, when neither was observed, when it was first seen. <see cref="ConnectStartNs"/> is
/// when connect() began, 0 when not observed (format 1.1; absent in 1.0 files). <see cref="Container"/> says
/// which cgroup, network namespace and container the process lived in (format 1.3; null in older files).
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
    ConnectionFlags Flags,
    ulong ConnectStartNs = 0,
    ContainerContext? Container = null) : CaptureRecord(TimestampNs)
{
    public override RecordKind Kind => RecordKind.ConnectionOpened;
}
