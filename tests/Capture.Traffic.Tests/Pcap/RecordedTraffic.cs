using Capture.Format;
using System.Net;
using System.Text;
using Capture.Format.Records;

namespace Capture.Traffic.Tests.Pcap;

/// <summary>
/// Builds the records a recorder would write for scripted connections, with per-direction stream
/// offsets kept the way the recorder keeps them, and writes them to a real capture file.
/// </summary>
internal sealed class RecordedTraffic
{
    /// <summary>2025-11-24T16:00:00Z in ns; wall clock = monotonic + this.</summary>
    public const long WallOffsetNs = 1_764_000_000_000_000_000;

    private readonly List<CaptureRecord> _records = [];
    private ulong _clockNs = 7_000_000_000;

    public IReadOnlyList<CaptureRecord> Records => _records;

    public CaptureHeader Header { get; } = new("test-host", "6.18.0-test", "0.1.0", WallOffsetNs, new Dictionary<string, string>());

    public ulong Tick(ulong ns = 150_000) => _clockNs += ns;

    public ConnectionScript Open(
        ulong id,
        ConnectionRole role,
        ConnectionSource source,
        string local,
        string remote,
        int pid = 4242,
        string process = "curl",
        ConnectionFlags flags = ConnectionFlags.None)
    {
        _records.Add(new ConnectionOpenedRecord(Tick(), id, pid, 5, process, role, source, IPEndPoint.Parse(local), IPEndPoint.Parse(remote), flags));
        return new ConnectionScript(this, id);
    }

    /// <summary>A connection whose open record is missing, as in a file that lost its first blocks.</summary>
    public ConnectionScript WithoutOpen(ulong id) => new(this, id);

    public void Add(CaptureRecord record) => _records.Add(record);

    /// <summary>Writes the records through the real capture writer into <paramref name="directory"/>.</summary>
    public string WriteCaptureFile(string directory, string name = "recording.tcap")
    {
        string path = Path.Combine(directory, name);
        using var writer = CaptureWriter.Create(path, Header, new CaptureWriterOptions { BlockSize = 16 * 1024 });
        foreach (CaptureRecord record in _records)
            writer.Write(record);
        writer.Complete(Tick());
        return path;
    }
}

internal sealed class ConnectionScript(RecordedTraffic traffic, ulong id)
{
    private readonly ulong[] _offsets = new ulong[2];

    public ulong Id => id;

    /// <summary>Bytes the traced process wrote; <paramref name="cutBytes"/> more were written but not captured.</summary>
    public ConnectionScript Egress(string text, ulong cutBytes = 0) => Data(Direction.Egress, Encoding.ASCII.GetBytes(text), cutBytes);

    /// <summary>Bytes the traced process read.</summary>
    public ConnectionScript Ingress(string text, ulong cutBytes = 0) => Data(Direction.Ingress, Encoding.ASCII.GetBytes(text), cutBytes);

    public ConnectionScript Data(Direction direction, byte[] payload, ulong cutBytes = 0, DataFlags flags = DataFlags.None)
    {
        traffic.Add(new DataRecord(traffic.Tick(), id, direction, _offsets[(int)direction], payload, cutBytes, flags));
        _offsets[(int)direction] += (ulong)payload.Length + cutBytes;
        return this;
    }

    /// <summary>A call whose bytes the recorder could not see at all (for example sendfile of a changed file).</summary>
    public ConnectionScript Unrecoverable(Direction direction, ulong length)
    {
        traffic.Add(new DataRecord(traffic.Tick(), id, direction, _offsets[(int)direction], ReadOnlyMemory<byte>.Empty, length, DataFlags.Unrecoverable));
        _offsets[(int)direction] += length;
        return this;
    }

    /// <summary>Bytes whose events were lost: no record at all, the next record starts further on.</summary>
    public ConnectionScript Lose(Direction direction, ulong length)
    {
        _offsets[(int)direction] += length;
        return this;
    }

    public void Close() => traffic.Add(new ConnectionClosedRecord(traffic.Tick(), id, _offsets[(int)Direction.Egress], _offsets[(int)Direction.Ingress]));
}
