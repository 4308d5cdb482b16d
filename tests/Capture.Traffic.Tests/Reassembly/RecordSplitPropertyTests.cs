using Capture.Traffic.Reassembly;
using Capture.Format.Records;
using Capture.Traffic.Tests.Http;

namespace Capture.Traffic.Tests.Reassembly;

public class RecordSplitPropertyTests
{
    /// <summary>Pipelined, chunked, keep-alive traffic on three connections, one data record per message.</summary>
    private static List<CaptureRecord> Traffic()
    {
        var s = new RecordScript();
        for (ulong id = 1; id <= 3; id++)
            s.Open(id, id == 2 ? ConnectionRole.Client : ConnectionRole.Server, "10.0.0.1:80", $"10.0.0.{id + 1}:4000");
        var random = new Random(5);
        for (int i = 0; i < 60; i++)
        {
            ulong id = (ulong)random.Next(1, 4);
            var (requestDirection, responseDirection) = id == 2 ? (Direction.Egress, Direction.Ingress) : (Direction.Ingress, Direction.Egress);
            string body = new string((char)('a' + i % 26), random.Next(0, 400));
            s.Send(id, requestDirection, $"POST /r{i} HTTP/1.1\r\nContent-Length: {body.Length}\r\n\r\n{body}");
            s.Send(id, responseDirection, i % 2 == 0
                ? $"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n{body.Length + 2:x}\r\n[{body}]\r\n0\r\n\r\n"
                : $"HTTP/1.1 201 Created\r\nContent-Length: {body.Length}\r\n\r\n{body}");
        }
        for (ulong id = 1; id <= 3; id++)
            s.Close(id);
        return s.Records;
    }

    private static List<string> Describe(IEnumerable<CaptureRecord> records) =>
        new ExchangeExtractor(RecordScript.Header, records).Exchanges()
            .Select(e => $"{e.Connection.ConnectionId} {ParserHarness.Describe(e.Request!)} => {ParserHarness.Describe(e.Response!)}")
            .ToList();

    [Fact]
    public void Splitting_records_at_random_points_and_swapping_neighbours_gives_the_same_exchanges()
    {
        var original = Traffic();
        var expected = Describe(original);
        Assert.Equal(60, expected.Count);
        var random = new Random(11);
        for (int round = 0; round < 100; round++)
        {
            var split = new List<CaptureRecord>();
            foreach (var record in original)
            {
                if (record is not DataRecord data || data.Payload.Length < 2)
                {
                    split.Add(record);
                    continue;
                }
                int pos = 0;
                while (pos < data.Payload.Length)
                {
                    int size = Math.Min(data.Payload.Length - pos, random.Next(1, 90));
                    split.Add(data with { StreamOffset = data.StreamOffset + (ulong)pos, Payload = data.Payload.Slice(pos, size) });
                    pos += size;
                }
            }
            // Events of different CPUs interleave: swap some neighbouring data records of a direction.
            for (int i = 0; i + 1 < split.Count; i++)
                if (split[i] is DataRecord a && split[i + 1] is DataRecord b && a.ConnectionId == b.ConnectionId && a.Direction == b.Direction && random.Next(4) == 0)
                    (split[i], split[i + 1]) = (split[i + 1], split[i]);
            Assert.Equal(expected, Describe(split));
        }
    }
}
