using System.Net;
using System.Text;
using Capture.Format;
using Capture.Format.Records;
using Capture.Traffic.Har;

namespace Capture.Traffic.Tests.CaptureFile;

/// <summary>
/// capture merge of the windows of one rotated recording: a connection open across the rotation (its open record
/// repeated, as already open, at the start of the second window) is one connection again, and its exchange whole.
/// </summary>
public class RotatedWindowMergeTests
{
    private static readonly ConnectionOpenedRecord Open = new(10, 1, 42, 5, "server", ConnectionRole.Server, ConnectionSource.Accept,
        new IPEndPoint(IPAddress.Loopback, 8080), new IPEndPoint(IPAddress.Loopback, 50000), ConnectionFlags.None);

    private static readonly byte[] Request = Encoding.ASCII.GetBytes("GET /a HTTP/1.1\r\nHost: x\r\n\r\n");
    private static readonly byte[] Response = Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello");

    [Theory]
    [InlineData("same-recording", "same-recording", 1)]
    [InlineData("one-recording", "another-recording", 2)]
    public void Windows_of_one_recording_join_their_connections(string firstId, string secondId, int connections)
    {
        // The rotation falls between the request (read in window 1) and the response (written in window 2).
        byte[] first = Window(firstId, Open, new DataRecord(20, 1, Direction.Ingress, 0, Request, 0, DataFlags.None));
        byte[] second = Window(secondId, Open with { TimestampNs = 30, Source = ConnectionSource.AlreadyOpen },
            new DataRecord(40, 1, Direction.Egress, 0, Response, 0, DataFlags.None),
            new ConnectionClosedRecord(50, 1, (ulong)Response.Length, (ulong)Request.Length));

        byte[] merged = InMemoryMerge.Of(first, second);
        using var reader = new CaptureReader(new MemoryStream(merged));
        var records = reader.ReadRecords().ToList();
        Assert.Equal(connections, records.OfType<ConnectionOpenedRecord>().Count());
        Assert.Equal(connections, records.OfType<DataRecord>().Select(d => d.ConnectionId).Distinct().Count());

        using var output = new MemoryStream();
        using var again = new CaptureReader(new MemoryStream(merged));
        HarConversion.Run(again, output);
        var log = HarReader.Read(new MemoryStream(output.ToArray()));
        var entry = Assert.Single(log.Entries); // window 2's response alone has no request: not an entry
        Assert.Equal(connections == 1 ? 200 : 0, entry.Response.Status);
    }

    private static byte[] Window(string recordingId, params CaptureRecord[] records)
    {
        var header = new CaptureHeader("node-1", "6.18", "test", 1_700_000_000_000_000_000,
            new Dictionary<string, string> { [CaptureHeader.RecordingIdOption] = recordingId, [CaptureHeader.BootIdOption] = "boot" });
        var stream = new MemoryStream();
        using (var writer = new CaptureWriter(stream, header))
        {
            writer.Write(new ProcessRecord(1, 42, "server", "server"));
            foreach (var record in records)
                writer.Write(record);
            writer.Complete(60);
        }
        return stream.ToArray();
    }
}
