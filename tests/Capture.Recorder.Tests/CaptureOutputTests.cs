using System.Net;
using Capture.Format;
using Capture.Format.Records;
using Capture.Recorder.Rotation;

namespace Capture.Recorder.Tests;

/// <summary>Rotation by size and by time, on real files in a temporary folder (no kernel needed).</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public class CaptureOutputTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("capture-rotation-").FullName;
    private readonly CaptureHeader _header = new("host", "6.18", "test", 0, new Dictionary<string, string>());
    private DateTimeOffset _now = new(2026, 11, 27, 14, 5, 1, 123, TimeSpan.Zero);

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Each_window_is_complete_repeats_open_connections_and_the_oldest_go_beyond_keep()
    {
        var output = CaptureOutput.Create(Path.Combine(_folder, "node.tcap"), _header, new RotationPolicy(RotationPolicy.MinBytes, null, Keep: 3), Now);
        var open = Opened(1);
        output.Write(new ProcessRecord(1, 42, "server", "server --port 8080"));
        output.Write(open);
        var random = new Random(3);
        ulong offset = 0;
        var written = new List<DataRecord>();
        for (int i = 0; i < 200; i++)
        {
            _now = _now.AddMilliseconds(7);
            byte[] payload = new byte[4096];
            random.NextBytes(payload); // incompressible: the size limit is reached after about 16 records
            var data = new DataRecord((ulong)i + 2, 1, Direction.Egress, offset, payload, 0, DataFlags.None);
            offset += 4096;
            output.Write(data);
            written.Add(data);
        }
        output.Write(new ConnectionClosedRecord(300, 1, offset, 0));
        output.Complete(301);
        output.Dispose();

        Assert.Equal(3, output.Files.Count);
        Assert.Equal(output.Files, Directory.GetFiles(_folder).Order(StringComparer.Ordinal));
        Assert.Equal(Path.Combine(_folder, "node-20261127T140501.123Z.tcap"), RotationPolicy.FileName(Path.Combine(_folder, "node.tcap"), new DateTimeOffset(2026, 11, 27, 14, 5, 1, 123, TimeSpan.Zero)));
        var offsets = new List<ulong>();
        foreach (string file in output.Files)
        {
            using var reader = CaptureReader.Open(file);
            var records = reader.ReadRecords().ToList();
            Assert.True(reader.Stats.CleanClose);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
            // Each file starts with the process and, as already open, the connection still open.
            Assert.Equal("server", Assert.IsType<ProcessRecord>(records[0]).Name);
            var repeated = Assert.IsType<ConnectionOpenedRecord>(records[1]);
            Assert.Equal(open with { TimestampNs = repeated.TimestampNs, Source = ConnectionSource.AlreadyOpen }, repeated);
            offsets.AddRange(records.OfType<DataRecord>().Select(d => d.StreamOffset));
        }
        // The kept files hold the last windows' data, each record once, in order, with no hole between files.
        Assert.Equal(written.Select(d => d.StreamOffset).TakeLast(offsets.Count), offsets);
    }

    [Fact]
    public void A_time_window_starts_a_new_file_at_the_flush_after_it_ends()
    {
        var output = CaptureOutput.Create(Path.Combine(_folder, "w"), _header, new RotationPolicy(null, TimeSpan.FromMinutes(5), null), Now);
        output.Write(Opened(1));
        _now = _now.AddMinutes(4);
        output.Flush(10);
        Assert.Single(output.Files);
        _now = _now.AddMinutes(1);
        output.Flush(11);
        output.Complete(12);
        output.Dispose();
        Assert.Equal([Path.Combine(_folder, "w-20261127T140501.123Z.tcap"), Path.Combine(_folder, "w-20261127T141001.123Z.tcap")], output.Files);
    }

    private DateTimeOffset Now() => _now;

    private static ConnectionOpenedRecord Opened(ulong id) =>
        new(1, id, 42, 5, "server", ConnectionRole.Server, ConnectionSource.Accept, new IPEndPoint(IPAddress.Loopback, 8080),
            new IPEndPoint(IPAddress.Loopback, 50000), ConnectionFlags.None);
}
