using System.Text;
using System.Text.Json;
using Capture.Traffic.Har;
using Capture.Traffic.Reassembly;
using Capture.Format.Records;

namespace Capture.Traffic.Tests.Reassembly;

public class ExtractorRobustnessTests
{
    [Fact]
    public void Bytes_missing_at_close_per_the_connection_totals_mark_the_exchange_incomplete()
    {
        var s = new RecordScript().Open(1, ConnectionRole.Server, "10.0.0.1:80", "10.0.0.2:5000");
        s.Send(1, Direction.Ingress, "GET /x HTTP/1.1\r\n\r\n").Send(1, Direction.Egress, "HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\nabcd");
        // The close record says 4 more bytes were sent than were captured (say, a lost event at the end).
        var opened = (ConnectionOpenedRecord)s.Records[0];
        s.Records.Add(new ConnectionClosedRecord(s.Tick().Now, 1, (ulong)"HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\nabcd".Length + 4, 19));
        var e = Assert.Single(new ExchangeExtractor(RecordScript.Header, s.Records).Exchanges());
        Assert.Equal(4, e.GapBytes);
        Assert.True(e.Incomplete);
        Assert.False(e.Truncated);
        Assert.Equal(ConnectionRole.Server, opened.Role);
    }

    [Fact]
    public void A_gap_inside_a_chunk_is_skipped_and_the_connection_goes_on()
    {
        var s = new RecordScript().Open(1, ConnectionRole.Client, "10.0.0.2:5000", "10.0.0.1:80");
        s.Send(1, Direction.Egress, "GET /a HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\n\r\n");
        s.Send(1, Direction.Ingress, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n0123", cut: 6);
        s.Send(1, Direction.Ingress, "ABCDEF\r\n0\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok").Close(1);
        var list = new ExchangeExtractor(RecordScript.Header, s.Records).Exchanges().ToList();
        Assert.Equal(2, list.Count);
        Assert.Equal(6, list[0].GapBytes);
        Assert.Equal("0123ABCDEF", Encoding.ASCII.GetString(list[0].Response!.Body.Span));
        Assert.False(list[1].Incomplete);
        Assert.Equal("ok", Encoding.ASCII.GetString(list[1].Response!.Body.Span));
    }

    [Fact]
    public void State_is_dropped_when_connections_close_so_memory_follows_open_connections()
    {
        var s = new RecordScript();
        for (ulong id = 1; id <= 2000; id++)
        {
            s.Open(id, ConnectionRole.Server, "10.0.0.1:80", $"10.0.{id / 250}.{id % 250 + 1}:4000");
            s.Send(id, Direction.Ingress, "GET / HTTP/1.1\r\n\r\n").Send(id, Direction.Egress, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n").Close(id);
        }
        var extractor = new ExchangeExtractor(RecordScript.Header, s.Records);
        int maxOpen = 0, count = 0;
        foreach (var _ in extractor.ExchangesInStartOrder())
        {
            count++;
            maxOpen = Math.Max(maxOpen, extractor.OpenConnections);
        }
        Assert.Equal(2000, count);
        Assert.InRange(maxOpen, 0, 1);
        Assert.Equal(0, extractor.OpenConnections);
        Assert.Equal(0, extractor.Stats.OutOfOrder);
    }

    [Fact]
    public void Random_records_never_stop_the_conversion_and_always_give_valid_json()
    {
        var random = new Random(7);
        string[] pieces = ["GET / HTTP/1.1\r\n", "HTTP/1.1 200 OK\r\n", "Content-Length: 3\r\n", "Transfer-Encoding: chunked\r\n", "\r\n", "5\r\nhello\r\n0\r\n\r\n", "Upgrade: x\r\n", "HTTP/1.1 101 S\r\n", "Content-Encoding: gzip\r\n", "Content-Encoding: br\r\n", "Content-Encoding: deflate\r\n", "Content-Type: application/x-www-form-urlencoded\r\n", "Cookie: a=b; c\r\n", "Set-Cookie: x=1; Expires=never; HttpOnly\r\n"];
        for (int round = 0; round < 100; round++)
        {
            var records = new List<CaptureRecord>();
            var offsets = new Dictionary<(ulong, Direction), ulong>();
            ulong ts = 1000;
            for (int i = 0; i < 200; i++)
            {
                ulong id = (ulong)random.Next(1, 5);
                var direction = (Direction)random.Next(2);
                if (random.Next(30) == 0)
                    records.Add(new ConnectionOpenedRecord(ts++, id, 1, 3, "p", (ConnectionRole)random.Next(3), (ConnectionSource)random.Next(4),
                        EndPoint(random), EndPoint(random), (ConnectionFlags)random.Next(2)));
                var text = new StringBuilder();
                for (int k = random.Next(1, 4); k > 0; k--)
                    text.Append(pieces[random.Next(pieces.Length)]);
                byte[] payload = random.Next(5) == 0 ? RandomBytes(random) : Encoding.ASCII.GetBytes(text.ToString());
                offsets.TryGetValue((id, direction), out ulong offset);
                if (random.Next(10) == 0)
                    offset += (ulong)random.Next(0, 50); // a hole
                if (random.Next(10) == 0 && offset > 5)
                    offset -= 5; // an overlap
                ulong cut = random.Next(8) == 0 ? (ulong)random.Next(1, 100) : 0;
                var record = new DataRecord(ts++, id, direction, offset, payload, cut, DataFlags.None);
                offsets[(id, direction)] = record.EndOffset;
                records.Add(record);
                if (random.Next(40) == 0)
                    records.Add(new ConnectionClosedRecord(ts++, id, (ulong)random.Next(0, 5000), (ulong)random.Next(0, 5000)));
            }
            var output = new MemoryStream();
            var summary = HarConversion.Run(RecordScript.Header, records, output);
            using var json = JsonDocument.Parse(output.ToArray());
            Assert.Equal(summary.Written, json.RootElement.GetProperty("log").GetProperty("entries").GetArrayLength());
            Assert.Equal(0, summary.Failed);
        }
    }

    // Few addresses, so that mirrored pairs (both ends of one connection) happen often.
    private static System.Net.IPEndPoint? EndPoint(Random random) => random.Next(3) switch
    {
        0 => null,
        1 => System.Net.IPEndPoint.Parse("127.0.0.1:80"),
        _ => System.Net.IPEndPoint.Parse("[::ffff:127.0.0.1]:5000"),
    };

    private static byte[] RandomBytes(Random random)
    {
        var bytes = new byte[random.Next(1, 300)];
        random.NextBytes(bytes);
        return bytes;
    }
}
