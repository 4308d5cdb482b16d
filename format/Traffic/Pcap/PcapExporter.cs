using Capture.Traffic.Reassembly;
using Capture.Format;
using System.Runtime.CompilerServices;
using Capture.Format.Records;

namespace Capture.Traffic.Pcap;

/// <summary>
/// Turns capture records, in file order, into a pcapng file of synthesized Ethernet/IP/TCP packets
/// that Wireshark dissects as the recorded HTTP. Streaming: state is kept per open connection only.
/// See docs/pcapng-export.md for every choice made here.
/// </summary>
public sealed class PcapExporter : IDisposable
{
    /// <summary>LINKTYPE_ETHERNET: every pcap tool understands it, and IPv4 and IPv6 share one interface.</summary>
    public const ushort LinkTypeEthernet = 1;
    /// <summary>The receiver acknowledges at least this often, far below the 64 KiB unscaled window.</summary>
    private const ulong AckEveryBytes = 32 * 1024;

    private readonly PcapngWriter _writer;
    private readonly CaptureHeader _header;
    private readonly PcapExportOptions _options;
    private readonly Dictionary<ulong, SyntheticConnection> _connections = new();
    private readonly HashSet<ulong> _skipped = new();
    private readonly ConnectionEnds<ConnectionOpenedRecord> _ends = new();
    private readonly Dictionary<ushort, string> _hosts = new();
    private readonly byte[] _headers = new byte[TcpPacketHeaders.MaxLength];
    private bool _completed;

    public PcapExporter(Stream output, CaptureHeader header, PcapExportOptions? options = null, bool leaveOpen = false)
    {
        _header = header;
        _options = options ?? new PcapExportOptions();
        if (_options.Mtu is < PcapExportOptions.MinimumMtu or > PcapExportOptions.MaximumMtu)
            throw new ArgumentOutOfRangeException(nameof(options), $"MTU must be between {PcapExportOptions.MinimumMtu} and {PcapExportOptions.MaximumMtu}.");
        _writer = new PcapngWriter(output, leaveOpen);
        string application = $"capture {typeof(PcapExporter).Assembly.GetName().Version?.ToString(3)} (pcap export)";
        _writer.WriteSectionHeader(
            hardware: null,
            operatingSystem: string.IsNullOrEmpty(header.KernelRelease) ? null : $"Linux {header.KernelRelease}",
            application: application,
            comment: $"Synthesized from a capture recorded on {header.HostName} by recorder {header.RecorderVersion}; TCP/IP headers are not the wire's.");
        _writer.WriteInterfaceDescription(LinkTypeEthernet, "capture", "synthesized TCP/IP from recorded socket data");
    }

    public PcapExportStats Stats { get; } = new();

    /// <summary>Connections currently held in memory (open, or skipped by the filter until they close).</summary>
    public int TrackedConnections => _connections.Count + _skipped.Count;

    /// <summary>Converts every record and completes the file.</summary>
    public static PcapExportStats Export(IEnumerable<CaptureRecord> records, CaptureHeader header, Stream output, PcapExportOptions? options = null)
    {
        using var exporter = new PcapExporter(output, header, options, leaveOpen: true);
        foreach (CaptureRecord record in records)
            exporter.Write(record);
        exporter.Complete();
        return exporter.Stats;
    }

    public void Write(CaptureRecord record)
    {
        switch (record)
        {
            case DataRecord data:
                OnData(data);
                break;
            case ConnectionOpenedRecord opened:
                OnOpened(opened);
                break;
            case ConnectionClosedRecord closed:
                OnClosed(closed);
                break;
            case HostRecord host:
                _hosts.TryAdd(host.IdSpace, host.HostName);
                break;
        }
    }

    /// <summary>Flushes the file. Connections still open stay open: the recording ended before they did.</summary>
    public void Complete()
    {
        _completed = true;
        _writer.Flush();
    }

    public void Dispose()
    {
        if (!_completed)
            _writer.Flush();
        _writer.Dispose();
    }

    /// <summary>The host a merged capture's host record gave the connection, shown in packet comments; null in a single recording.</summary>
    private string? HostOf(ulong connectionId) => _hosts.GetValueOrDefault(HostRecord.SpaceOf(connectionId));

    private void OnOpened(ConnectionOpenedRecord open)
    {
        if (_connections.ContainsKey(open.ConnectionId) || _skipped.Contains(open.ConnectionId))
            return; // ids are unique within a file; a repeat adds nothing
        if (!_options.Selector.IsSelected(open.ConnectionId, open))
        {
            _skipped.Add(open.ConnectionId);
            Stats.ConnectionsSkipped++;
            return;
        }

        string scope = ConnectionInfo.ScopeOf(HostOf(open.ConnectionId) ?? "", open.Container); // two ends share a host and a netns
        if (_ends.OtherEnd(scope, open.Local, open.Remote) is not null)
        {
            // Both ends were traced: the same bytes would appear twice, as retransmissions.
            _skipped.Add(open.ConnectionId);
            Stats.TwinConnectionsSkipped++;
            return;
        }
        _ends.Add(open, scope, open.Local, open.Remote);

        var connection = new SyntheticConnection(open.ConnectionId, open, HostOf(open.ConnectionId));
        _connections.Add(open.ConnectionId, connection);
        Stats.Connections++;
        if ((open.Flags & ConnectionFlags.Tls) != 0)
            Stats.TlsPlaintextConnections++;
        if (open.Source is ConnectionSource.Accept or ConnectionSource.Connect)
        {
            connection.CreateFlows(ConnectionEndpoints.Resolve(open.ConnectionId, open, firstData: null), synObserved: true);
            WriteHandshake(connection, open);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot per packet: skip the slow tiers
    private void OnData(DataRecord data)
    {
        SyntheticConnection? connection = FindOrAdopt(data);
        if (connection is null)
            return;
        if (!connection.HasFlows)
        {
            // Open before recording, or open not recorded: no handshake, start mid-stream.
            connection.CreateFlows(ConnectionEndpoints.Resolve(connection.Id, connection.Open, data), synObserved: false);
        }

        TcpFlow from = connection.From(data.Direction);
        TcpFlow to = connection.To(data.Direction);
        if (from.FinSent)
            return; // nothing can follow a FIN; the recorder never produces this

        ReadOnlySpan<byte> payload = data.Payload.Span;
        ulong offset = data.StreamOffset;
        if (offset < from.NextOffset)
        {
            // Bytes already written (a repeated or overlapping record): keep only what is new.
            ulong overlap = from.NextOffset - offset;
            payload = overlap >= (ulong)payload.Length ? default : payload[(int)overlap..];
            offset = from.NextOffset;
        }

        if (!from.Started && payload.Length > 0)
        {
            // Without a SYN, Wireshark's view of this direction begins at its first segment.
            from.Started = true;
            from.NextOffset = from.WrittenOffset = offset;
        }

        ReadOnlySpan<byte> gapNote = payload.Length > 0 ? NoteGap(from, offset) : default;
        int mss = MaxSegmentSize(from);
        while (payload.Length > 0)
        {
            int length = Math.Min(mss, payload.Length);
            TcpFlags flags = TcpFlags.Ack | (length == payload.Length ? TcpFlags.Psh : TcpFlags.None);
            WritePacket(connection, from, to, from.SequenceAt(offset), flags, payload[..length], data.TimestampNs, gapNote);
            gapNote = default;
            offset += (ulong)length;
            from.NextOffset = from.WrittenOffset = offset;
            payload = payload[length..];
            Stats.PayloadBytes += length;

            if (from.NextOffset - from.AckedOffset >= AckEveryBytes)
                WritePacket(connection, to, from, to.AcknowledgementNumber, TcpFlags.Ack, default, data.TimestampNs, "; synthesized ACK"u8);
        }

        // Cut or unrecoverable bytes still occupy sequence space; the next segment or FIN shows the jump.
        from.NextOffset = Math.Max(from.NextOffset, data.EndOffset);
    }

    /// <summary>Counts a hole between what was written and <paramref name="offset"/>, and returns the comment that marks it.</summary>
    private ReadOnlySpan<byte> NoteGap(TcpFlow flow, ulong offset)
    {
        if (!flow.Started || offset <= flow.WrittenOffset)
            return default;
        ulong gap = offset - flow.WrittenOffset;
        Stats.Gaps++;
        Stats.GapBytes += (long)gap;
        return System.Text.Encoding.UTF8.GetBytes($"; {gap} bytes not captured before this segment");
    }

    private void OnClosed(ConnectionClosedRecord closed)
    {
        if (_skipped.Remove(closed.ConnectionId) || !_connections.Remove(closed.ConnectionId, out SyntheticConnection? connection))
            return;
        if (connection.Open is { } open)
            _ends.Remove(open, ConnectionInfo.ScopeOf(HostOf(open.ConnectionId) ?? "", open.Container), open.Local, open.Remote);
        if (!connection.HasFlows)
            return; // neither a handshake nor data: nothing to show

        TcpFlow traced = connection.Traced!;
        TcpFlow peer = connection.Peer!;
        // Totals count every byte moved; bytes beyond the last record were lost and show as a jump at the FIN.
        traced.NextOffset = Math.Max(traced.NextOffset, closed.BytesSent);
        peer.NextOffset = Math.Max(peer.NextOffset, closed.BytesReceived);

        // The traced process closed its socket: its FIN first, then the peer's, then the last ACK.
        ulong ts = closed.TimestampNs;
        WriteFin(connection, traced, peer, ts);
        WriteFin(connection, peer, traced, ts);
        WritePacket(connection, traced, peer, traced.AcknowledgementNumber, TcpFlags.Ack, default, ts, "; synthesized close"u8);
    }

    private void WriteFin(SyntheticConnection connection, TcpFlow from, TcpFlow to, ulong ts)
    {
        ReadOnlySpan<byte> note = NoteGap(from, from.NextOffset);
        WritePacket(connection, from, to, from.AcknowledgementNumber, TcpFlags.Fin | TcpFlags.Ack, default, ts,
            note.IsEmpty ? "; synthesized close"u8 : note);
        from.FinSent = true;
    }

    private SyntheticConnection? FindOrAdopt(DataRecord data)
    {
        if (_connections.TryGetValue(data.ConnectionId, out SyntheticConnection? connection))
            return connection;
        if (_skipped.Contains(data.ConnectionId))
            return null;
        // The open record was lost (truncated or corrupt file): the data alone still converts.
        if (!_options.Selector.IsSelected(data.ConnectionId, open: null))
        {
            _skipped.Add(data.ConnectionId);
            Stats.ConnectionsSkipped++;
            return null;
        }
        connection = new SyntheticConnection(data.ConnectionId, open: null, HostOf(data.ConnectionId));
        _connections.Add(data.ConnectionId, connection);
        Stats.Connections++;
        Stats.ConnectionsWithoutOpen++;
        return connection;
    }

    /// <summary>The SYN when connect() began (when it was observed), the rest when the handshake ended.</summary>
    private void WriteHandshake(SyntheticConnection connection, ConnectionOpenedRecord open)
    {
        ulong ts = open.TimestampNs;
        ulong synTs = open.ConnectStartNs is > 0 and var start && start <= ts ? start : ts;
        bool tracedIsClient = connection.Endpoints!.TracedIsClient;
        TcpFlow client = tracedIsClient ? connection.Traced! : connection.Peer!;
        TcpFlow server = tracedIsClient ? connection.Peer! : connection.Traced!;
        ushort clientMss = (ushort)MaxSegmentSize(client);
        ushort serverMss = (ushort)MaxSegmentSize(server);
        WritePacket(connection, client, server, client.InitialSequence, TcpFlags.Syn, default, synTs, "; synthesized handshake"u8, clientMss);
        WritePacket(connection, server, client, server.InitialSequence, TcpFlags.Syn | TcpFlags.Ack, default, ts, "; synthesized handshake"u8, serverMss);
        WritePacket(connection, client, server, client.SequenceAt(0), TcpFlags.Ack, default, ts, "; synthesized handshake"u8);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot per packet: skip the slow tiers
    private void WritePacket(
        SyntheticConnection connection,
        TcpFlow from,
        TcpFlow to,
        uint sequence,
        TcpFlags flags,
        ReadOnlySpan<byte> payload,
        ulong monotonicNs,
        ReadOnlySpan<byte> commentSuffix,
        ushort mssOption = 0)
    {
        int length = TcpPacketHeaders.Write(_headers, from, sequence, to.AcknowledgementNumber, flags, mssOption, payload);
        _writer.WriteEnhancedPacket(0, WallClockNs(monotonicNs), _headers.AsSpan(0, length), payload, connection.Comment, commentSuffix);
        if ((flags & TcpFlags.Ack) != 0)
            to.AckedOffset = to.NextOffset;
        Stats.Packets++;
    }

    private int MaxSegmentSize(TcpFlow flow) =>
        _options.Mtu - (flow.IsIPv6 ? TcpPacketHeaders.IPv6Length : TcpPacketHeaders.IPv4Length) - TcpPacketHeaders.TcpLength;

    private ulong WallClockNs(ulong monotonicNs)
    {
        long wall = (long)monotonicNs + _header.MonotonicToWallOffsetNs;
        return wall < 0 ? 0 : (ulong)wall;
    }
}
