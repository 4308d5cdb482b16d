using Capture.Format;
using System.Text;
using Capture.Traffic.Reassembly;
using Capture.Format.Records;

namespace Capture.Traffic.Tests.Reassembly;

public class ExchangeExtractorTests
{
    private const string Server = "10.0.0.1:8080";
    private const string Client = "10.0.0.2:50000";

    private static List<HttpExchange> Extract(RecordScript script, bool startOrder = false)
    {
        var extractor = new ExchangeExtractor(RecordScript.Header, script.Records);
        return (startOrder ? extractor.ExchangesInStartOrder() : extractor.Exchanges()).ToList();
    }

    [Fact]
    public void Server_side_get_becomes_one_exchange_with_connection_details_and_timestamps()
    {
        var s = new RecordScript().Open(1, ConnectionRole.Server, Server, Client, pid: 42, process: "api");
        s.Send(1, Direction.Ingress, "GET /a?x=1 HTTP/1.1\r\nHost: svc\r\n\r\n");
        ulong requestNs = s.Now;
        s.Send(1, Direction.Egress, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n");
        ulong responseStartNs = s.Now;
        s.Send(1, Direction.Egress, "hello").Close(1);

        var e = Assert.Single(Extract(s));
        Assert.Equal("GET", e.Request!.Method);
        Assert.Equal("/a?x=1", e.Request.Target);
        Assert.Equal(200, e.Response!.StatusCode);
        Assert.Equal("hello", Encoding.ASCII.GetString(e.Response.Body.Span));
        Assert.Equal(42, e.Connection.Pid);
        Assert.Equal("api", e.Connection.ProcessName);
        Assert.Equal(Server, e.Connection.ServerEndPoint!.ToString());
        Assert.Equal(requestNs, e.Request.FirstByteNs);
        Assert.Equal(responseStartNs, e.Response.FirstByteNs);
        Assert.Equal(s.Now - 1_000_000, e.Response.LastByteNs);
        Assert.False(e.Incomplete);
    }

    [Fact]
    public void Client_side_maps_egress_to_requests()
    {
        var s = new RecordScript().Open(1, ConnectionRole.Client, Client, Server);
        s.Send(1, Direction.Egress, "POST /p HTTP/1.1\r\nContent-Length: 2\r\n\r\nhi");
        s.Send(1, Direction.Ingress, "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n").Close(1);
        var e = Assert.Single(Extract(s));
        Assert.Equal("hi", Encoding.ASCII.GetString(e.Request!.Body.Span));
        Assert.Equal(201, e.Response!.StatusCode);
        Assert.Equal(Server, e.Connection.ServerEndPoint!.ToString());
    }

    [Fact]
    public void Records_out_of_offset_order_are_put_back_in_order()
    {
        var s = new RecordScript().Open(1, ConnectionRole.Server, Server, Client);
        s.Send(1, Direction.Ingress, "GET / HTTP/1.1\r\n\r\n");
        var a = s.MakeData(1, Direction.Egress, Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nab"));
        var b = s.MakeData(1, Direction.Egress, Encoding.ASCII.GetBytes("cd"));
        var c = s.MakeData(1, Direction.Egress, Encoding.ASCII.GetBytes("ef"));
        s.Records.AddRange([c, a, b]);
        s.Close(1);
        var e = Assert.Single(Extract(s));
        Assert.Equal("abcdef", Encoding.ASCII.GetString(e.Response!.Body.Span));
        Assert.False(e.Incomplete);
    }

    [Fact]
    public void Cut_bytes_mark_the_exchange_incomplete_with_the_gap_size()
    {
        var s = new RecordScript().Open(1, ConnectionRole.Server, Server, Client);
        s.Send(1, Direction.Ingress, "GET /big HTTP/1.1\r\n\r\nGET /next HTTP/1.1\r\n\r\n");
        s.Send(1, Direction.Egress, "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n0123456789", cut: 990);
        s.Send(1, Direction.Egress, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok").Close(1);
        var list = Extract(s);
        Assert.Equal(2, list.Count);
        Assert.True(list[0].Incomplete);
        Assert.Equal(990, list[0].GapBytes);
        Assert.Equal("0123456789", Encoding.ASCII.GetString(list[0].Response!.Body.Span));
        Assert.False(list[1].Incomplete);
        Assert.Equal("ok", Encoding.ASCII.GetString(list[1].Response!.Body.Span));
    }

    [Fact]
    public void A_lost_record_is_a_gap_and_the_next_exchange_still_pairs()
    {
        var s = new RecordScript().Open(1, ConnectionRole.Server, Server, Client);
        s.Send(1, Direction.Ingress, "GET /1 HTTP/1.1\r\n\r\n");
        s.MakeData(1, Direction.Egress, Encoding.ASCII.GetBytes("HTTP/1.1 500 Oops\r\nContent-Length: 0\r\n\r\n")); // lost
        s.Send(1, Direction.Ingress, "GET /2 HTTP/1.1\r\n\r\n");
        s.Send(1, Direction.Egress, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n").Close(1);
        var list = Extract(s);
        Assert.Equal(2, list.Count);
        Assert.Equal("/1", list[0].Request!.Target);
        Assert.True(list[0].Response!.Lost);
        Assert.True(list[0].GapBytes > 0);
        Assert.Equal("/2", list[1].Request!.Target);
        Assert.Equal(200, list[1].Response!.StatusCode);
    }

    [Fact]
    public void Pipelined_requests_pair_with_responses_in_order()
    {
        var s = new RecordScript().Open(1, ConnectionRole.Server, Server, Client);
        s.Send(1, Direction.Ingress, "GET /1 HTTP/1.1\r\n\r\nHEAD /2 HTTP/1.1\r\n\r\nGET /3 HTTP/1.1\r\n\r\n");
        s.Send(1, Direction.Egress, "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\naHTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n");
        s.Send(1, Direction.Egress, "HTTP/1.1 404 Not Found\r\nContent-Length: 1\r\n\r\nc").Close(1);
        var list = Extract(s);
        Assert.Equal(["/1 200 1", "/2 200 0", "/3 404 1"], list.Select(e => $"{e.Request!.Target} {e.Response!.StatusCode} {e.Response.Body.Length}"));
    }

    [Fact]
    public void Request_without_response_is_handed_out_at_close()
    {
        var s = new RecordScript().Open(1, ConnectionRole.Client, Client, Server);
        s.Send(1, Direction.Egress, "GET /hang HTTP/1.1\r\n\r\n").Close(1);
        var e = Assert.Single(Extract(s));
        Assert.Null(e.Response);
        Assert.True(e.Incomplete);
    }

    [Fact]
    public void Connection_open_before_recording_starts_at_the_first_start_line()
    {
        var s = new RecordScript().Open(1, ConnectionRole.Server, Server, Client, source: ConnectionSource.AlreadyOpen);
        s.Send(1, Direction.Egress, "tail of an earlier body\r\n");
        s.Send(1, Direction.Ingress, "GET /fresh HTTP/1.1\r\n\r\n");
        s.Send(1, Direction.Egress, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n").Close(1);
        var e = Assert.Single(Extract(s));
        Assert.Equal("/fresh", e.Request!.Target);
        Assert.Equal(200, e.Response!.StatusCode);
        Assert.False(e.Malformed);
    }

    [Fact]
    public void Continue_then_final_response_is_one_exchange()
    {
        var s = new RecordScript().Open(1, ConnectionRole.Server, Server, Client);
        s.Send(1, Direction.Ingress, "PUT /u HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n");
        s.Send(1, Direction.Egress, "HTTP/1.1 100 Continue\r\n\r\n");
        s.Send(1, Direction.Ingress, "data");
        s.Send(1, Direction.Egress, "HTTP/1.1 204 No Content\r\n\r\n").Close(1);
        var e = Assert.Single(Extract(s));
        Assert.Equal("data", Encoding.ASCII.GetString(e.Request!.Body.Span));
        Assert.Equal(204, e.Response!.StatusCode);
        Assert.Equal(100, Assert.Single(e.Response.InterimResponses).StatusCode);
    }

    [Fact]
    public void Upgrade_ends_http_parsing_and_is_recorded()
    {
        var s = new RecordScript().Open(1, ConnectionRole.Server, Server, Client);
        s.Send(1, Direction.Ingress, "GET /ws HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n");
        s.Send(1, Direction.Egress, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n");
        s.Send(1, Direction.Ingress, [0x81, 0x85, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
        s.Send(1, Direction.Egress, [0x81, 0x02, (byte)'h', (byte)'i']).Close(1);
        var extractor = new ExchangeExtractor(RecordScript.Header, s.Records);
        var e = Assert.Single(extractor.Exchanges());
        Assert.True(e.Upgraded);
        Assert.False(e.Malformed);
        Assert.Equal(15, extractor.Stats.TunnelBytes);
    }

    [Fact]
    public void Connection_traced_at_both_ends_yields_each_exchange_once_from_the_client_view()
    {
        var s = new RecordScript()
            .Open(1, ConnectionRole.Client, "127.0.0.1:40000", "127.0.0.1:8080", pid: 1, process: "curl")
            .Open(2, ConnectionRole.Server, "[::ffff:127.0.0.1]:8080", "[::ffff:127.0.0.1]:40000", pid: 2, process: "nginx");
        for (int i = 0; i < 3; i++)
        {
            string request = $"GET /{i} HTTP/1.1\r\nHost: x\r\n\r\n";
            string response = $"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n{i}";
            s.Send(1, Direction.Egress, request).Send(2, Direction.Ingress, request);
            s.Send(2, Direction.Egress, response).Send(1, Direction.Ingress, response);
        }
        s.Close(1).Close(2);
        var extractor = new ExchangeExtractor(RecordScript.Header, s.Records);
        var list = extractor.Exchanges().ToList();
        Assert.Equal(["/0", "/1", "/2"], list.Select(e => e.Request!.Target));
        Assert.All(list, e => Assert.Equal("curl", e.Connection.ProcessName));
        Assert.All(list, e => Assert.Equal("nginx", e.Peer!.ProcessName));
        // Filtering by either end's pid finds the merged exchanges.
        Assert.Equal(3, list.Count(new ExchangeFilter { Pid = 2 }.Matches));
        Assert.Equal(3, list.Count(new ExchangeFilter { Pid = 1 }.Matches));
        Assert.DoesNotContain(list, new ExchangeFilter { Pid = 3 }.Matches);
        Assert.Equal(1, extractor.Stats.TwinConnections);
        Assert.Equal(3, extractor.Stats.DuplicateExchangesDropped);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_client_end_whose_open_arrives_after_the_server_end_answered_is_still_merged(bool startOrder)
    {
        // Over TLS the client's first plaintext (and so its open record) is seen when SSL_write returns,
        // which can be after the server has read the request and answered.
        string request = "GET /late HTTP/1.1\r\nHost: x\r\n\r\n";
        string response = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
        var s = new RecordScript().Open(2, ConnectionRole.Server, "127.0.0.1:8443", "127.0.0.1:40000", pid: 2, process: "python3");
        s.Send(2, Direction.Ingress, request).Send(2, Direction.Egress, response);
        s.Open(1, ConnectionRole.Client, "127.0.0.1:40000", "127.0.0.1:8443", pid: 1, process: "curl");
        s.Send(1, Direction.Egress, request).Send(1, Direction.Ingress, response);
        s.Close(1).Close(2);

        var exchange = Assert.Single(Extract(s, startOrder));
        Assert.Equal(("curl", "python3"), (exchange.Connection.ProcessName, exchange.Peer?.ProcessName));
    }

    [Fact]
    public void A_loopback_connection_whose_other_end_never_shows_up_leaves_after_the_clock_skew_window()
    {
        var s = new RecordScript().Open(1, ConnectionRole.Server, "127.0.0.1:8080", "127.0.0.1:40000", process: "nginx");
        s.Send(1, Direction.Ingress, "GET /alone HTTP/1.1\r\n\r\n").Send(1, Direction.Egress, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
        var seen = new List<HttpExchange>();
        // Another connection's records, 1 ms apart, well past the 100 ms window: the first exchange leaves before the end.
        s.Open(2, ConnectionRole.Server, Server, Client);
        for (int i = 0; i < 400; i++)
            s.Send(2, Direction.Ingress, "x");
        int recordsBeforeFirst = -1, processed = 0;
        foreach (var exchange in new ExchangeExtractor(RecordScript.Header, Counting(s.Records, () => processed++)).Exchanges())
        {
            if (recordsBeforeFirst < 0)
                recordsBeforeFirst = processed;
            seen.Add(exchange);
        }
        Assert.Equal("/alone", seen[0].Request!.Target);
        Assert.Null(seen[0].Peer);
        Assert.InRange(recordsBeforeFirst, 100, 200);
    }

    private static IEnumerable<CaptureRecord> Counting(IEnumerable<CaptureRecord> records, Action onEach)
    {
        foreach (var record in records)
        {
            onEach();
            yield return record;
        }
    }

    [Fact]
    public void Twin_exchange_missing_on_the_client_side_is_kept_from_the_server_side()
    {
        var s = new RecordScript()
            .Open(1, ConnectionRole.Client, "127.0.0.1:40000", "127.0.0.1:8080", process: "curl")
            .Open(2, ConnectionRole.Server, "127.0.0.1:8080", "127.0.0.1:40000", process: "nginx");
        s.Send(2, Direction.Ingress, "GET /a HTTP/1.1\r\n\r\n").Send(2, Direction.Egress, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
        s.Send(1, Direction.Egress, "GET /b HTTP/1.1\r\n\r\n", cut: 0);
        s.Send(2, Direction.Ingress, "GET /b HTTP/1.1\r\n\r\n").Send(2, Direction.Egress, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
        s.Send(1, Direction.Ingress, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
        s.Close(1).Close(2);
        var list = Extract(s);
        Assert.Equal(["/a nginx", "/b curl"], list.Select(e => $"{e.Request!.Target} {e.Connection.ProcessName}"));
    }

    [Fact]
    public void Start_order_puts_a_slow_exchange_before_later_fast_ones()
    {
        var s = new RecordScript().Open(1, ConnectionRole.Server, Server, Client).Open(2, ConnectionRole.Server, Server, "10.0.0.3:1");
        s.Send(1, Direction.Ingress, "GET /slow HTTP/1.1\r\n\r\n");
        for (int i = 0; i < 5; i++)
            s.Send(2, Direction.Ingress, $"GET /fast{i} HTTP/1.1\r\n\r\n").Send(2, Direction.Egress, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
        s.Send(1, Direction.Egress, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
        Assert.Equal("/fast0", Extract(s)[0].Request!.Target);
        var ordered = Extract(s, startOrder: true);
        Assert.Equal(["/slow", "/fast0", "/fast1", "/fast2", "/fast3", "/fast4"], ordered.Select(e => e.Request!.Target));
        Assert.True(ordered.Zip(ordered.Skip(1)).All(p => p.First.StartNs <= p.Second.StartNs));
    }

    [Fact]
    public void Exchanges_leave_as_soon_as_the_response_completes()
    {
        var s = new RecordScript().Open(1, ConnectionRole.Server, Server, Client);
        s.Send(1, Direction.Ingress, "GET /1 HTTP/1.1\r\n\r\n").Send(1, Direction.Egress, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
        int recordsBeforeFirst = s.Records.Count;
        for (int i = 0; i < 100; i++)
            s.Send(1, Direction.Ingress, "GET /more HTTP/1.1\r\n\r\n").Send(1, Direction.Egress, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
        int consumed = 0;
        var counted = s.Records.Select(r => { consumed++; return r; });
        var first = new ExchangeExtractor(RecordScript.Header, counted).Exchanges().First();
        Assert.Equal("/1", first.Request!.Target);
        Assert.Equal(recordsBeforeFirst, consumed);
    }

    [Fact]
    public void Data_of_a_connection_whose_open_record_was_lost_is_still_parsed()
    {
        var s = new RecordScript();
        s.Send(7, Direction.Egress, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"); // no request seen: a response only
        s.Send(8, Direction.Ingress, "GET /x HTTP/1.1\r\n\r\n").Send(8, Direction.Egress, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
        var list = Extract(s);
        Assert.Equal(2, list.Count);
        Assert.Null(list.Single(e => e.Connection.ConnectionId == 7).Request);
        Assert.Equal(ConnectionRole.Server, list.Single(e => e.Connection.ConnectionId == 8).Connection.Role);
    }

    [Fact]
    public void Tls_plaintext_data_marks_the_connection_tls_even_without_the_open_flag()
    {
        var s = new RecordScript().Open(1, ConnectionRole.Client, Client, Server, source: ConnectionSource.AlreadyOpen);
        s.Records.Add(s.MakeData(1, Direction.Egress, Encoding.ASCII.GetBytes("GET /secure HTTP/1.1\r\nHost: bank\r\n\r\n")) with { Flags = DataFlags.Tls });
        s.Records.Add(s.MakeData(1, Direction.Ingress, Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")) with { Flags = DataFlags.Tls });
        var e = Assert.Single(Extract(s));
        Assert.True(e.Connection.IsTls);
        Assert.Equal("https://bank/secure", Capture.Traffic.Har.UrlParts.RequestUrl(e.Request!, e.Connection));
    }

    [Fact]
    public void File_round_trip_through_the_capture_writer_and_reader()
    {
        var s = new RecordScript().Open(1, ConnectionRole.Server, Server, Client);
        s.Send(1, Direction.Ingress, "GET /file HTTP/1.1\r\n\r\n").Send(1, Direction.Egress, "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc").Close(1);
        string path = Path.Combine(Path.GetTempPath(), $"rt-{Guid.NewGuid():N}.tcap");
        try
        {
            using (var writer = CaptureWriter.Create(path, RecordScript.Header))
            {
                foreach (var record in s.Records)
                    writer.Write(record);
                writer.Complete();
            }
            using var reader = CaptureReader.Open(path);
            var e = Assert.Single(new ExchangeExtractor(reader).ExchangesInStartOrder());
            Assert.Equal("abc", Encoding.ASCII.GetString(e.Response!.Body.Span));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
