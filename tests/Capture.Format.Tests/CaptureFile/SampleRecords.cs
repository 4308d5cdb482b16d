using System.Net;
using System.Text;
using Capture.Format;
using Capture.Format.Records;

namespace Capture.Format.Tests.CaptureFile;

/// <summary>Builds realistic records: HTTP/1.1 JSON API exchanges on several keep-alive connections.</summary>
internal static class SampleRecords
{
    public static CaptureHeader Header() => new("test-host", "6.18.0-test", "capture-test", 1_700_000_000_000_000_000,
        new Dictionary<string, string> { ["port"] = "8080" });

    public static List<CaptureRecord> Exchanges(int connections, int exchangesPerConnection, int seed = 7)
    {
        var random = new Random(seed);
        var records = new List<CaptureRecord>();
        ulong ts = 1_000_000;
        records.Add(new ProcessRecord(ts, 4242, "api-server", "/usr/bin/api-server --port 8080"));
        for (int c = 1; c <= connections; c++)
        {
            var remote = c % 3 == 0
                ? new IPEndPoint(IPAddress.Parse("::1"), 40000 + c)
                : new IPEndPoint(IPAddress.Loopback, 40000 + c);
            var local = new IPEndPoint(remote.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? IPAddress.IPv6Loopback : IPAddress.Loopback, 8080);
            records.Add(new ConnectionOpenedRecord(ts += 1000, (ulong)c, 4242, 10 + c, "api-server", ConnectionRole.Server,
                c == 2 ? ConnectionSource.AlreadyOpen : ConnectionSource.Accept, local, remote, ConnectionFlags.None));
            ulong inOffset = 0, outOffset = 0;
            for (int e = 0; e < exchangesPerConnection; e++)
            {
                byte[] request = Request(random, e);
                byte[] response = Response(random, e);
                records.Add(new DataRecord(ts += 5_000, (ulong)c, Direction.Ingress, inOffset, request, 0, DataFlags.None));
                inOffset += (ulong)request.Length;
                records.Add(new DataRecord(ts += 50_000, (ulong)c, Direction.Egress, outOffset, response, 0, DataFlags.None));
                outOffset += (ulong)response.Length;
            }
            records.Add(new ConnectionClosedRecord(ts += 1000, (ulong)c, outOffset, inOffset));
        }
        records.Add(new LossRecord(ts += 1000, LossReason.RingBufferFull, 3, 1200));
        return records;
    }

    private static byte[] Request(Random random, int n) => Encoding.ASCII.GetBytes(
        $"GET /api/v1/orders/{random.Next(100000)}?page={n} HTTP/1.1\r\nHost: api.internal:8080\r\nUser-Agent: curl/7.88.1\r\nAccept: application/json\r\nX-Request-Id: {Guid.NewGuid()}\r\n\r\n");

    private static byte[] Response(Random random, int n)
    {
        var body = new StringBuilder("{\"items\":[");
        int items = random.Next(1, 12);
        for (int i = 0; i < items; i++)
        {
            if (i > 0) body.Append(',');
            body.Append($"{{\"id\":{random.Next(1_000_000)},\"sku\":\"SKU-{random.Next(10000):D5}\",\"name\":\"Item {random.Next(500)}\",\"price\":{random.Next(100, 99999) / 100.0},\"currency\":\"EUR\",\"inStock\":{(random.Next(2) == 0 ? "true" : "false")},\"updatedAt\":\"2026-11-{random.Next(1, 28):D2}T{random.Next(24):D2}:{random.Next(60):D2}:00Z\"}}");
        }
        body.Append($"],\"page\":{n},\"total\":{items}}}");
        string json = body.ToString();
        return Encoding.ASCII.GetBytes(
            $"HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=utf-8\r\nDate: Tue, 17 Nov 2026 14:02:{n % 60:D2} GMT\r\nServer: Kestrel\r\nContent-Length: {json.Length}\r\n\r\n{json}");
    }

    public static byte[] WriteToBytes(IEnumerable<CaptureRecord> records, CaptureWriterOptions? options = null, bool complete = true)
    {
        var stream = new MemoryStream();
        using (var writer = new CaptureWriter(new NonClosingStream(stream), Header(), options))
        {
            foreach (var r in records)
                writer.Write(r);
            if (complete)
                writer.Complete(99_000_000_000);
        }
        return stream.ToArray();
    }

    public static (List<CaptureRecord> Records, CaptureReadStats Stats) ReadAll(byte[] file)
    {
        using var reader = new CaptureReader(new MemoryStream(file));
        var records = reader.ReadRecords().ToList();
        return (records, reader.Stats);
    }

    /// <summary>Lets a test keep the MemoryStream after the writer disposes its stream.</summary>
    private sealed class NonClosingStream(Stream inner) : Stream
    {
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => inner.Length;
        public override long Position { get => inner.Position; set => throw new NotSupportedException(); }
        public override void Flush() => inner.Flush();
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);
        public override void Write(ReadOnlySpan<byte> buffer) => inner.Write(buffer);
    }
}
