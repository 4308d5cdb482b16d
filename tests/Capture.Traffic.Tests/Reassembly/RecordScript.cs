using Capture.Format;
using System.Net;
using System.Text;
using Capture.Format.Records;

namespace Capture.Traffic.Tests.Reassembly;

/// <summary>Builds the records a recorder would write for scripted connections, tracking stream offsets.</summary>
internal sealed class RecordScript
{
    private readonly Dictionary<(ulong, Direction), ulong> _offsets = [];
    private ulong _now = 1_000_000_000;

    public List<CaptureRecord> Records { get; } = [];

    public static CaptureHeader Header { get; } = new("test-host", "6.18.0", "test", 1_700_000_000_000_000_000, new Dictionary<string, string>());

    public ulong Now => _now;

    public RecordScript Tick(ulong ns = 1_000_000)
    {
        _now += ns;
        return this;
    }

    public RecordScript Open(ulong id, ConnectionRole role, string local, string remote, int pid = 100, ConnectionSource source = ConnectionSource.Unknown, string process = "app")
    {
        source = source != ConnectionSource.Unknown ? source : role == ConnectionRole.Server ? ConnectionSource.Accept : ConnectionSource.Connect;
        Records.Add(new ConnectionOpenedRecord(Tick()._now, id, pid, (int)id + 3, process, role, source, IPEndPoint.Parse(local), IPEndPoint.Parse(remote), ConnectionFlags.None));
        return this;
    }

    public RecordScript Send(ulong id, Direction direction, string text, ulong cut = 0) => Send(id, direction, Encoding.UTF8.GetBytes(text), cut);

    public RecordScript Send(ulong id, Direction direction, byte[] payload, ulong cut = 0)
    {
        Records.Add(MakeData(id, direction, payload, cut));
        return this;
    }

    /// <summary>A data record built but not added, so a test can reorder or drop it.</summary>
    public DataRecord MakeData(ulong id, Direction direction, byte[] payload, ulong cut = 0)
    {
        _offsets.TryGetValue((id, direction), out ulong offset);
        var record = new DataRecord(Tick()._now, id, direction, offset, payload, cut, DataFlags.None);
        _offsets[(id, direction)] = record.EndOffset;
        return record;
    }

    public RecordScript Close(ulong id)
    {
        _offsets.TryGetValue((id, Direction.Egress), out ulong sent);
        _offsets.TryGetValue((id, Direction.Ingress), out ulong received);
        Records.Add(new ConnectionClosedRecord(Tick()._now, id, sent, received));
        return this;
    }
}
