using System.Net;
using System.Text;
using Capture.Format;
using Capture.Format.Records;

namespace Capture.EndToEnd.Tests.Infrastructure;

/// <summary>A capture file read back whole, grouped by connection (tests only: it holds everything in memory).</summary>
public sealed class RecordedCapture
{
    public required CaptureHeader Header { get; init; }
    public required IReadOnlyList<CaptureRecord> Records { get; init; }
    public required IReadOnlyList<RecordedConnection> Connections { get; init; }

    public static RecordedCapture Read(string path)
    {
        using var reader = CaptureReader.Open(path);
        var records = reader.ReadRecords().ToList();
        var byId = new Dictionary<ulong, RecordedConnection>();
        foreach (var record in records)
        {
            switch (record)
            {
                case ConnectionOpenedRecord open:
                    byId[open.ConnectionId] = new RecordedConnection(open);
                    break;
                case DataRecord data when byId.TryGetValue(data.ConnectionId, out var c):
                    c.Data.Add(data);
                    break;
                case DataRecord data:
                    throw new InvalidOperationException($"data of connection {data.ConnectionId} before (or without) its open record");
                case ConnectionClosedRecord closed when byId.TryGetValue(closed.ConnectionId, out var c):
                    c.Closed = closed;
                    break;
            }
        }
        return new RecordedCapture { Header = reader.Header, Records = records, Connections = byId.Values.ToList() };
    }

    /// <summary>Connections of one process.</summary>
    public IEnumerable<RecordedConnection> OfProcess(int pid) => Connections.Where(c => c.Opened.Pid == pid);

    /// <summary>Connections whose local or remote port is <paramref name="port"/>.</summary>
    public IEnumerable<RecordedConnection> WithPort(int port) =>
        Connections.Where(c => c.Opened.Local?.Port == port || c.Opened.Remote?.Port == port);

    /// <summary>The client end (as seen by its process) of connections to the server port.</summary>
    public IEnumerable<RecordedConnection> ClientsOf(int serverPort) =>
        Connections.Where(c => c.Opened.Remote?.Port == serverPort && c.Opened.Local?.Port != serverPort);

    /// <summary>The server end (the accepting process) of connections on the server port.</summary>
    public IEnumerable<RecordedConnection> ServersOn(int serverPort) =>
        Connections.Where(c => c.Opened.Local?.Port == serverPort);

    public IEnumerable<LossRecord> Losses => Records.OfType<LossRecord>();
}

/// <summary>One recorded connection and its two byte streams, rebuilt by stream offset.</summary>
public sealed class RecordedConnection(ConnectionOpenedRecord opened)
{
    public ConnectionOpenedRecord Opened { get; } = opened;
    public ConnectionClosedRecord? Closed { get; internal set; }
    public List<DataRecord> Data { get; } = [];

    public IPEndPoint? Local => Opened.Local;
    public IPEndPoint? Remote => Opened.Remote;

    /// <summary>Bytes written by the traced process; throws if the recording has a gap or overlap.</summary>
    public byte[] Egress => Reassemble(Direction.Egress);

    /// <summary>Bytes read by the traced process; throws if the recording has a gap or overlap.</summary>
    public byte[] Ingress => Reassemble(Direction.Ingress);

    public string EgressText => Encoding.Latin1.GetString(Egress);
    public string IngressText => Encoding.Latin1.GetString(Ingress);

    /// <summary>Orders a direction's records by offset and joins them; a hole, an overlap or a cut is an error.</summary>
    public byte[] Reassemble(Direction direction)
    {
        var parts = Data.Where(d => d.Direction == direction).OrderBy(d => d.StreamOffset).ToList();
        var bytes = new MemoryStream();
        ulong? expected = null;
        foreach (var part in parts)
        {
            if (expected is { } e && part.StreamOffset != e)
                throw new InvalidOperationException($"connection {Opened.ConnectionId} {direction}: record at offset {part.StreamOffset} but {e} expected ({Describe()})");
            if (part.CutBytes != 0 || (part.Flags & DataFlags.Unrecoverable) != 0)
                throw new InvalidOperationException($"connection {Opened.ConnectionId} {direction}: {part.CutBytes} bytes cut at offset {part.StreamOffset + (ulong)part.Payload.Length} ({Describe()})");
            bytes.Write(part.Payload.Span);
            expected = part.EndOffset;
        }
        return bytes.ToArray();
    }

    public override string ToString() => Describe();

    private string Describe() =>
        $"#{Opened.ConnectionId} pid {Opened.Pid} {Opened.ProcessName} {Opened.Role}/{Opened.Source} {Local} -> {Remote}";
}
