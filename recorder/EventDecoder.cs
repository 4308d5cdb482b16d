using System.Net;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using Capture.Format.Records;
using Capture.Recorder.Containers;
using Capture.Recorder.Interop;

namespace Capture.Recorder;

/// <summary>
/// Turns raw ring-buffer events (bpf/capture_events.h layouts) into capture records.
/// The payload memory of a DataRecord handed to the sink is reused after the sink returns:
/// the sink must consume it at once (CaptureWriter serializes it in Write).
/// </summary>
internal sealed class EventDecoder
{
    private const ushort AfInet = 2;
    private const ushort AfInet6 = 10;

    private readonly Action<CaptureRecord> _sink;
    private readonly ProcessCatalog _processes;
    private readonly SendfileRecovery _sendfile;
    private readonly CgroupCatalog? _cgroups;
    private readonly Dictionary<ulong, OpenConnection> _open = [];
    private readonly byte[] _payload = new byte[KernelConstants.ChunkMax];

    public RecordingStats Stats { get; }

    public EventDecoder(Action<CaptureRecord> sink, uint maxBytesPerCall, RecordingStats stats,
        ProcessCatalog? processes = null, SendfileRecovery? sendfile = null, CgroupCatalog? cgroups = null)
    {
        _cgroups = cgroups;
        _sink = sink;
        Stats = stats;
        _processes = processes ?? new ProcessCatalog();
        _sendfile = sendfile ?? new SendfileRecovery(maxBytesPerCall);
    }

    public void Decode(ReadOnlySpan<byte> raw)
    {
        if (raw.Length < Unsafe.SizeOf<KernelEventHeader>())
            return;
        Stats.KernelEvents++;
        var type = (KernelEventType)MemoryMarshal.Read<uint>(raw);
        switch (type)
        {
            case KernelEventType.ConnectionOpen when raw.Length >= Unsafe.SizeOf<ConnectionOpenEvent>():
                OnOpen(MemoryMarshal.Read<ConnectionOpenEvent>(raw));
                break;
            case KernelEventType.Data when raw.Length >= Unsafe.SizeOf<DataEvent>():
                OnData(MemoryMarshal.Read<DataEvent>(raw), raw[Unsafe.SizeOf<DataEvent>()..]);
                break;
            case KernelEventType.ConnectionClose when raw.Length >= Unsafe.SizeOf<ConnectionCloseEvent>():
                OnClose(MemoryMarshal.Read<ConnectionCloseEvent>(raw));
                break;
            case KernelEventType.Sendfile when raw.Length >= Unsafe.SizeOf<SendfileEvent>():
                OnSendfile(MemoryMarshal.Read<SendfileEvent>(raw));
                break;
        }
    }

    private void OnOpen(in ConnectionOpenEvent e)
    {
        ReadOnlySpan<byte> commBytes = e.Comm;
        int end = commBytes.IndexOf((byte)0);
        string comm = Encoding.UTF8.GetString(end < 0 ? commBytes : commBytes[..end]);
        int pid = (int)e.Header.Tgid;
        ulong ts = e.Header.TimestampNs;
        if (_processes.FirstSight(pid, ts, comm) is { } process)
            _sink(process);

        var role = (ConnectionRole)e.Role;
        _open[e.Header.ConnectionId] = new OpenConnection(pid, role);
        Stats.Connections++;
        _sink(new ConnectionOpenedRecord(ts, e.Header.ConnectionId, pid, e.Fd, comm, role,
            (ConnectionSource)e.Source, EndPoint(e.Family, e.LocalAddress, e.LocalPort),
            EndPoint(e.Family, e.RemoteAddress, e.RemotePort),
            (e.Flags & ConnectionOpenEvent.FlagTls) != 0 ? ConnectionFlags.Tls : ConnectionFlags.None, e.ConnectStartNs,
            Container(e, pid)));
    }

    /// <summary>The cgroup, network namespace and container of the connection's process; null when the kernel gave no cgroup id.</summary>
    private ContainerContext? Container(in ConnectionOpenEvent e, int pid) =>
        e.CgroupId == 0 ? null
            : _cgroups?.Describe(e.CgroupId, pid, e.NetNsInode, (int)e.NamespacePid)
              ?? new ContainerContext(e.CgroupId, "", e.NetNsInode, (int)e.NamespacePid);

    private void OnData(in DataEvent e, ReadOnlySpan<byte> payloadArea)
    {
        int length = (int)Math.Min(e.PayloadLength, (uint)Math.Min(payloadArea.Length, _payload.Length));
        payloadArea[..length].CopyTo(_payload);
        var direction = (Direction)e.Direction;
        var flags = (e.Flags & DataEvent.FlagReadFault) != 0 ? DataFlags.Unrecoverable : DataFlags.None;
        if ((e.Flags & DataEvent.FlagTls) != 0)
            flags |= DataFlags.Tls;
        if ((e.Flags & DataEvent.FlagNoBuffer) != 0)
        {
            flags |= DataFlags.Unrecoverable | DataFlags.NoUserBuffer;
            Stats.NoBufferGaps++;
            Stats.NoBufferBytes += (long)e.CutBytes;
        }
        if (_open.TryGetValue(e.Header.ConnectionId, out var connection))
        {
            // On the socket path several processes may share one socket (a pre-fork server): describe each of them.
            if (connection.Pid != (int)e.Header.Tgid && _processes.FirstSight((int)e.Header.Tgid, e.Header.TimestampNs, "") is { } process)
                _sink(process);
            CountRequest(connection, direction, _payload.AsSpan(0, length));
            Advance(connection, direction, e.StreamOffset + (ulong)length + e.CutBytes);
        }
        Stats.DataRecords++;
        Stats.CapturedBytes += length;
        Stats.CutBytes += (long)e.CutBytes;
        _sink(new DataRecord(e.Header.TimestampNs, e.Header.ConnectionId, direction, e.StreamOffset,
            new ReadOnlyMemory<byte>(_payload, 0, length), e.CutBytes, flags));
    }

    private void OnClose(in ConnectionCloseEvent e)
    {
        _open.Remove(e.Header.ConnectionId);
        Stats.ConnectionsClosed++;
        _sink(new ConnectionClosedRecord(e.Header.TimestampNs, e.Header.ConnectionId, e.BytesSent, e.BytesReceived));
    }

    private void OnSendfile(in SendfileEvent e)
    {
        DataRecord record = _sendfile.Recover(e);
        if ((record.Flags & DataFlags.FromFile) != 0)
            Stats.SendfileRecovered++;
        else
            Stats.SendfileUnrecoverable++;
        Stats.DataRecords++;
        Stats.CapturedBytes += record.Payload.Length;
        Stats.CutBytes += (long)record.CutBytes;
        if (_open.TryGetValue(record.ConnectionId, out var connection))
            Advance(connection, Direction.Egress, record.EndOffset);
        _sink(record);
    }

    /// <summary>
    /// A process that exits closes its sockets without close(): the kernel program never sees it.
    /// Writes a close record, with the stream lengths seen, for each open connection whose process is gone.
    /// </summary>
    public void CloseConnectionsOfExitedProcesses(ulong timestampNs, Func<int, bool> processAlive)
    {
        List<ulong>? gone = null;
        var alive = new Dictionary<int, bool>();
        foreach (var (id, connection) in _open)
        {
            if (!alive.TryGetValue(connection.Pid, out bool isAlive))
                alive[connection.Pid] = isAlive = processAlive(connection.Pid);
            if (!isAlive)
                (gone ??= []).Add(id);
        }
        foreach (ulong id in gone ?? [])
        {
            var connection = _open[id];
            _open.Remove(id);
            Stats.ConnectionsClosed++;
            _sink(new ConnectionClosedRecord(timestampNs, id, connection.EgressEnd, connection.IngressEnd));
        }
    }

    private static void Advance(OpenConnection connection, Direction direction, ulong end)
    {
        if (direction == Direction.Egress)
            connection.EgressEnd = Math.Max(connection.EgressEnd, end);
        else
            connection.IngressEnd = Math.Max(connection.IngressEnd, end);
    }

    /// <summary>What the decoder keeps about a connection between its open and close.</summary>
    private sealed class OpenConnection(int pid, ConnectionRole role)
    {
        public int Pid { get; } = pid;
        public ConnectionRole Role { get; } = role;
        public ulong EgressEnd { get; set; }
        public ulong IngressEnd { get; set; }
    }

    /// <summary>Counts calls that start with a request line in the connection's request direction.</summary>
    private void CountRequest(OpenConnection connection, Direction direction, ReadOnlySpan<byte> payload)
    {
        bool requestDirection = connection.Role switch
        {
            ConnectionRole.Client => direction == Direction.Egress,
            ConnectionRole.Server => direction == Direction.Ingress,
            _ => false,
        };
        if (requestDirection && HttpStart.IsRequestLine(payload))
            Stats.Requests++;
    }

    private static IPEndPoint? EndPoint(ushort family, ReadOnlySpan<byte> address, ushort port)
    {
        IPAddress ip;
        if (family == AfInet)
            ip = new IPAddress(address[..4]);
        else if (family == AfInet6)
            ip = WireAddress.Of(new IPAddress(address));
        else
            return null;
        return new IPEndPoint(ip, port);
    }
}
