using Capture.Format;
using Capture.Traffic.Pcap;
using Capture.Format.Records;

namespace Capture.Traffic.Tests.Pcap;

/// <summary>
/// Capture files written with the real CaptureWriter, converted, and read back by the real tshark:
/// the proof that Wireshark sees the recorded HTTP with consistent TCP and valid checksums.
/// </summary>
public sealed class PcapExportTsharkTests : IDisposable
{
    private const string GapWarnings = "tcp.analysis.lost_segment || tcp.analysis.ack_lost_segment";
    private readonly PcapExport _export = new();

    public void Dispose() => _export.Dispose();

    [Fact]
    public void Get_from_a_traced_client_has_handshake_request_response_and_close()
    {
        Tshark.Require();
        var traffic = new RecordedTraffic();
        string body = HttpSamples.Html(1200);
        traffic.Open(1, ConnectionRole.Client, ConnectionSource.Connect, "127.0.0.1:50312", "127.0.0.1:8000")
            .Egress(HttpSamples.CurlGet("/index.html"))
            .Ingress(HttpSamples.PythonHead(body.Length))
            .Ingress(body)
            .Close();

        var (pcap, stats) = _export.Convert(traffic);

        WiresharkAssert.CleanDissection(pcap);
        Assert.Equal([("GET", "/index.html")], WiresharkAssert.Requests(pcap));
        Assert.Equal(["200"], WiresharkAssert.ResponseCodes(pcap));
        // The SYN comes from the traced client's own endpoint; two FINs close the connection.
        var syn = Tshark.Fields(pcap, "tcp.flags.syn == 1 && tcp.flags.ack == 0", "ip.src", "tcp.srcport", "ip.dst", "tcp.dstport", "tcp.options.mss_val");
        Assert.Equal([["127.0.0.1", "50312", "127.0.0.1", "8000", "1460"]], syn);
        Assert.Equal(2, WiresharkAssert.Count(pcap, "tcp.flags.fin == 1"));
        Assert.Equal(0, stats.Gaps);
        Assert.Equal(1, stats.Connections);
    }

    [Fact]
    public void Timestamps_are_wall_clock_with_nanoseconds_and_comments_name_the_process()
    {
        Tshark.Require();
        var traffic = new RecordedTraffic();
        var connection = traffic.Open(7, ConnectionRole.Client, ConnectionSource.Connect, "127.0.0.1:50400", "127.0.0.1:8000", pid: 31337, process: "curl");
        ulong requestTs = traffic.Tick(0) + 150_000; // the next record's timestamp
        connection.Egress(HttpSamples.CurlGet("/time")).Ingress(HttpSamples.NginxOk("ok")).Close();

        var (pcap, _) = _export.Convert(traffic);

        var request = Tshark.Fields(pcap, "http.request", "frame.time_epoch", "frame.comment").Single();
        long wallNs = (long)requestTs + RecordedTraffic.WallOffsetNs;
        Assert.Equal($"{wallNs / 1_000_000_000}.{wallNs % 1_000_000_000:D9}", request[0]);
        Assert.Equal("pid 31337 (curl), connection 7", request[1]);
        var comments = Tshark.Fields(pcap, null, "frame.comment").Select(row => row[0]).ToList();
        Assert.All(comments, comment => Assert.StartsWith("pid 31337 (curl), connection 7", comment));
        Assert.Contains("pid 31337 (curl), connection 7; synthesized handshake", comments);
        Assert.Contains("pid 31337 (curl), connection 7; synthesized close", comments);
    }

    [Fact]
    public void Post_with_body_to_a_traced_dual_stack_server_is_IPv4_and_responses_leave_the_server_port()
    {
        Tshark.Require();
        var traffic = new RecordedTraffic();
        string json = "{\"items\":[" + string.Join(',', Enumerable.Range(0, 300).Select(i => $"{{\"sku\":\"A-{i:D5}\",\"qty\":{i % 7}}}")) + "]}";
        string request = HttpSamples.CurlPost("/api/orders", json);
        // The server read the request in two calls, as a server with a 4 KiB read buffer does.
        traffic.Open(2, ConnectionRole.Server, ConnectionSource.Accept, "[::ffff:127.0.0.1]:8080", "[::ffff:127.0.0.1]:41234", pid: 900, process: "dotnet")
            .Ingress(request[..4096])
            .Ingress(request[4096..])
            .Egress(HttpSamples.NginxOk("{\"id\":17}"))
            .Close();

        var (pcap, _) = _export.Convert(traffic);

        WiresharkAssert.CleanDissection(pcap);
        Assert.Equal([("POST", "/api/orders")], WiresharkAssert.Requests(pcap));
        Assert.Equal([json.Length.ToString()], Tshark.Fields(pcap, "http.request", "http.content_length").Select(r => r[0]));
        Assert.Equal(["200"], WiresharkAssert.ResponseCodes(pcap));
        Assert.Equal(0, WiresharkAssert.Count(pcap, "ipv6"));
        Assert.Equal([["127.0.0.1", "8080"]], Tshark.Fields(pcap, "http.response", "ip.src", "tcp.srcport"));
        Assert.Equal([["41234", "8080"]], Tshark.Fields(pcap, "http.request", "tcp.srcport", "tcp.dstport"));
        // The client opened the connection, so its SYN is the first packet.
        Assert.Equal([["41234"]], Tshark.Fields(pcap, "tcp.flags.syn == 1 && tcp.flags.ack == 0", "tcp.srcport"));
        var lengths = Tshark.Fields(pcap, "tcp.len > 0", "tcp.len").Select(r => int.Parse(r[0])).ToList();
        Assert.Equal(1460, lengths.Max());
        Assert.Equal(request.Length + HttpSamples.NginxOk("{\"id\":17}").Length, lengths.Sum());
    }

    [Fact]
    public void Chunked_response_is_reassembled_by_wireshark()
    {
        Tshark.Require();
        var traffic = new RecordedTraffic();
        traffic.Open(3, ConnectionRole.Server, ConnectionSource.Accept, "127.0.0.1:5000", "127.0.0.1:39000", pid: 900, process: "dotnet")
            .Ingress(HttpSamples.CurlPost("/orders", "{\"sku\":\"A-1\",\"qty\":2}", host: "127.0.0.1:5000"))
            .Egress(HttpSamples.KestrelCreatedChunkedHead())
            .Egress(HttpSamples.Chunk("{\"id\":17,"))
            .Egress(HttpSamples.Chunk("\"status\":\"created\"}"))
            .Egress(HttpSamples.LastChunk)
            .Close();

        var (pcap, _) = _export.Convert(traffic);

        WiresharkAssert.CleanDissection(pcap);
        Assert.Equal([("POST", "/orders")], WiresharkAssert.Requests(pcap));
        var response = Tshark.Fields(pcap, "http.response", "http.response.code", "http.transfer_encoding", "json.member_with_value").Single();
        Assert.Equal("201", response[0]);
        Assert.Equal("chunked", response[1]);
        Assert.Equal("id:17,status:created", response[2]);
    }

    [Fact]
    public void Keep_alive_connection_shows_every_request_in_order_on_one_stream()
    {
        Tshark.Require();
        var traffic = new RecordedTraffic();
        traffic.Open(4, ConnectionRole.Client, ConnectionSource.Connect, "10.0.0.9:51000", "10.0.0.5:80")
            .Egress(HttpSamples.CurlGet("/", host: "10.0.0.5"))
            .Ingress(HttpSamples.NginxOk(HttpSamples.Html(612)))
            .Egress(HttpSamples.CurlGet("/", host: "10.0.0.5").Replace("Accept: */*\r\n", "Accept: */*\r\nIf-None-Match: \"6924a0c0-2a\"\r\n"))
            .Ingress(HttpSamples.NginxNotModified())
            .Egress(HttpSamples.CurlGet("/missing?x=1&y=2", host: "10.0.0.5"))
            .Ingress(HttpSamples.NginxNotFound())
            .Close();

        var (pcap, _) = _export.Convert(traffic);

        WiresharkAssert.CleanDissection(pcap);
        Assert.Equal([("GET", "/"), ("GET", "/"), ("GET", "/missing?x=1&y=2")], WiresharkAssert.Requests(pcap));
        Assert.Equal(["200", "304", "404"], WiresharkAssert.ResponseCodes(pcap));
        Assert.Equal(["0"], Tshark.Fields(pcap, null, "tcp.stream").Select(r => r[0]).Distinct());
        Assert.Equal(1, WiresharkAssert.Count(pcap, "tcp.flags.syn == 1 && tcp.flags.ack == 0"));
    }

    [Fact]
    public void IPv6_connection_keeps_its_addresses()
    {
        Tshark.Require();
        var traffic = new RecordedTraffic();
        string body = HttpSamples.Html(3000);
        traffic.Open(5, ConnectionRole.Client, ConnectionSource.Connect, "[fd00::10]:46000", "[fd00::20]:8000")
            .Egress(HttpSamples.CurlGet("/v6/page.html", host: "[fd00::20]:8000"))
            .Ingress(HttpSamples.PythonHead(body.Length))
            .Ingress(body)
            .Close();

        var (pcap, _) = _export.Convert(traffic);

        WiresharkAssert.CleanDissection(pcap);
        Assert.Equal([("GET", "/v6/page.html")], WiresharkAssert.Requests(pcap));
        Assert.Equal(["200"], WiresharkAssert.ResponseCodes(pcap));
        Assert.Equal(0, WiresharkAssert.Count(pcap, "ip"));
        Assert.Equal([["fd00::10", "fd00::20"]], Tshark.Fields(pcap, "http.request", "ipv6.src", "ipv6.dst"));
        Assert.Equal([["fd00::20", "fd00::10"]], Tshark.Fields(pcap, "http.response", "ipv6.src", "ipv6.dst"));
        // MSS leaves room for the 40-byte IPv6 header.
        Assert.Equal(1440, Tshark.Fields(pcap, "tcp.len > 0", "tcp.len").Max(r => int.Parse(r[0])));
    }

    [Theory]
    [InlineData("cut")]
    [InlineData("unrecoverable")]
    [InlineData("lost")]
    public void A_gap_becomes_a_sequence_jump_of_its_size_that_wireshark_reports(string kind)
    {
        Tshark.Require();
        const int bodyLength = 20_000;
        const int captured = 4_000;
        const ulong missing = bodyLength - captured;
        var traffic = new RecordedTraffic();
        var server = traffic.Open(6, ConnectionRole.Server, ConnectionSource.Accept, "10.0.0.5:80", "10.0.0.9:51000", pid: 1200, process: "nginx")
            .Ingress(HttpSamples.CurlGet("/big.bin", host: "10.0.0.5"));
        string head = HttpSamples.NginxOk(HttpSamples.Html(bodyLength))[..^bodyLength];
        string capturedPart = head + HttpSamples.Html(captured);
        switch (kind)
        {
            case "cut": server.Egress(capturedPart, cutBytes: missing); break;
            case "unrecoverable": server.Egress(capturedPart).Unrecoverable(Direction.Egress, missing); break;
            default: server.Egress(capturedPart).Lose(Direction.Egress, missing); break;
        }
        server.Ingress(HttpSamples.CurlGet("/next", host: "10.0.0.5"))
            .Egress(HttpSamples.NginxOk("next"))
            .Close();

        var (pcap, stats) = _export.Convert(traffic);

        WiresharkAssert.CleanDissection(pcap, allowedWarnings: GapWarnings);
        Assert.Equal([("GET", "/big.bin"), ("GET", "/next")], WiresharkAssert.Requests(pcap));
        // Exactly one jump in the server's sequence numbers, of exactly the missing size, flagged by Wireshark.
        var sent = Tshark.Fields(pcap, "tcp.srcport == 80 && tcp.len > 0", "frame.number", "tcp.seq", "tcp.len")
            .Select(r => (Frame: r[0], Seq: long.Parse(r[1]), Length: long.Parse(r[2])))
            .ToList();
        var jump = Assert.Single(sent.Zip(sent.Skip(1)), pair => pair.Second.Seq != pair.First.Seq + pair.First.Length);
        Assert.Equal((long)missing, jump.Second.Seq - (jump.First.Seq + jump.First.Length));
        Assert.Equal([jump.Second.Frame], Tshark.Fields(pcap, "tcp.analysis.lost_segment", "frame.number").Select(r => r[0]));
        Assert.Equal([["200"]], Tshark.Fields(pcap, $"frame.number == {jump.Second.Frame}", "http.response.code"));
        Assert.Equal(1, stats.Gaps);
        Assert.Equal((long)missing, stats.GapBytes);
        Assert.Equal($"pid 1200 (nginx), connection 6; {missing} bytes not captured before this segment",
            Tshark.Fields(pcap, "tcp.analysis.lost_segment", "frame.comment").Single()[0]);
    }

    [Fact]
    public void A_gap_at_the_end_of_a_stream_shows_at_the_FIN()
    {
        Tshark.Require();
        var traffic = new RecordedTraffic();
        traffic.Open(8, ConnectionRole.Client, ConnectionSource.Connect, "127.0.0.1:50500", "127.0.0.1:8000")
            .Egress(HttpSamples.CurlGet("/download"))
            .Ingress(HttpSamples.PythonHead(100_000) + HttpSamples.Html(8_000), cutBytes: 92_000)
            .Close();

        var (pcap, stats) = _export.Convert(traffic);

        WiresharkAssert.CleanDissection(pcap, allowedWarnings: GapWarnings);
        Assert.Equal([["1"]], Tshark.Fields(pcap, "tcp.analysis.lost_segment", "tcp.flags.fin"));
        Assert.Equal(92_000, stats.GapBytes);
    }

    [Fact]
    public void Cut_bytes_alone_place_the_FIN_when_the_close_record_has_no_totals()
    {
        Tshark.Require();
        var traffic = new RecordedTraffic();
        traffic.Open(13, ConnectionRole.Client, ConnectionSource.Connect, "127.0.0.1:50510", "127.0.0.1:8000")
            .Egress(HttpSamples.CurlGet("/download"))
            .Ingress(HttpSamples.PythonHead(100_000) + HttpSamples.Html(8_000), cutBytes: 92_000);
        traffic.Add(new ConnectionClosedRecord(traffic.Tick(), 13, 0, 0));

        var (pcap, stats) = _export.Convert(traffic);

        WiresharkAssert.CleanDissection(pcap, allowedWarnings: GapWarnings);
        // The server's FIN follows its last data segment by exactly the cut bytes.
        var server = Tshark.Fields(pcap, "tcp.srcport == 8000 && (tcp.len > 0 || tcp.flags.fin == 1)", "tcp.seq", "tcp.len", "tcp.flags.fin");
        var (last, fin) = (server[^2], server[^1]);
        Assert.Equal("1", fin[2]);
        Assert.Equal(long.Parse(last[0]) + long.Parse(last[1]) + 92_000, long.Parse(fin[0]));
        Assert.Equal([["1"]], Tshark.Fields(pcap, "tcp.analysis.lost_segment", "tcp.flags.fin"));
        Assert.Equal(92_000, stats.GapBytes);
    }

    [Fact]
    public void Connection_open_before_recording_starts_mid_stream_without_handshake()
    {
        Tshark.Require();
        var traffic = new RecordedTraffic();
        traffic.Open(9, ConnectionRole.Client, ConnectionSource.AlreadyOpen, "127.0.0.1:50600", "127.0.0.1:8080", pid: 77, process: "java")
            .Egress(HttpSamples.CurlGet("/pooled/1", host: "127.0.0.1:8080"))
            .Ingress(HttpSamples.NginxOk("one"))
            .Egress(HttpSamples.CurlGet("/pooled/2", host: "127.0.0.1:8080"))
            .Ingress(HttpSamples.NginxOk("two"));
        // Still open when the recording ends: no FIN either.

        var (pcap, _) = _export.Convert(traffic);

        WiresharkAssert.CleanDissection(pcap);
        Assert.Equal(0, WiresharkAssert.Count(pcap, "tcp.flags.syn == 1 || tcp.flags.fin == 1"));
        Assert.Equal([("GET", "/pooled/1"), ("GET", "/pooled/2")], WiresharkAssert.Requests(pcap));
        Assert.Equal(["200", "200"], WiresharkAssert.ResponseCodes(pcap));
        Assert.Equal([["127.0.0.1", "50600"]], Tshark.Fields(pcap, "http.request", "ip.src", "tcp.srcport").Distinct(new RowComparer()));
    }

    [Fact]
    public void Connection_without_open_record_gets_documented_placeholder_endpoints_and_the_role_its_data_shows()
    {
        Tshark.Require();
        var traffic = new RecordedTraffic();
        // The traced process read a request and wrote a response: it is the server.
        traffic.WithoutOpen(10)
            .Ingress(HttpSamples.CurlGet("/orphan"))
            .Egress(HttpSamples.NginxOk("orphan"))
            .Close();

        var (pcap, stats) = _export.Convert(traffic);

        WiresharkAssert.CleanDissection(pcap);
        Assert.Equal([("GET", "/orphan")], WiresharkAssert.Requests(pcap));
        Assert.Equal([["198.51.100.1", "192.0.2.1", "80"]], Tshark.Fields(pcap, "http.request", "ip.src", "ip.dst", "tcp.dstport"));
        Assert.Equal("connection 10, process unknown (open not recorded)", Tshark.Fields(pcap, "http.request", "frame.comment").Single()[0]);
        Assert.Equal(1, stats.ConnectionsWithoutOpen);
    }

    [Fact]
    public void Tls_plaintext_keeps_its_real_port_and_is_still_dissected_as_http()
    {
        Tshark.Require();
        var traffic = new RecordedTraffic();
        traffic.Open(11, ConnectionRole.Client, ConnectionSource.Connect, "127.0.0.1:50700", "127.0.0.1:443", flags: ConnectionFlags.Tls)
            .Data(Direction.Egress, System.Text.Encoding.ASCII.GetBytes(HttpSamples.CurlGet("/secure", host: "localhost")), flags: DataFlags.Tls)
            .Data(Direction.Ingress, System.Text.Encoding.ASCII.GetBytes(HttpSamples.NginxOk("secret")), flags: DataFlags.Tls)
            .Close();

        var (pcap, stats) = _export.Convert(traffic);

        // Wireshark warns that it found HTTP on the TLS port: true, and the only warning allowed.
        WiresharkAssert.CleanDissection(pcap, allowedWarnings: "http.tls_port");
        Assert.Equal([("GET", "/secure")], WiresharkAssert.Requests(pcap));
        Assert.Equal(["200"], WiresharkAssert.ResponseCodes(pcap));
        Assert.Equal("pid 4242 (curl), connection 11, TLS plaintext", Tshark.Fields(pcap, "http.request", "frame.comment").Single()[0]);
        Assert.Equal(1, stats.TlsPlaintextConnections);
    }

    [Fact]
    public void Large_response_is_cut_at_the_mss_and_acknowledged_without_tcp_warnings()
    {
        Tshark.Require();
        var traffic = new RecordedTraffic();
        string body = HttpSamples.Html(300_000);
        traffic.Open(12, ConnectionRole.Client, ConnectionSource.Connect, "127.0.0.1:50800", "127.0.0.1:80")
            .Egress(HttpSamples.CurlGet("/large", host: "127.0.0.1"))
            .Ingress(HttpSamples.NginxOk(body)) // one read() of the whole response
            .Close();

        var (pcap, _) = _export.Convert(traffic);

        WiresharkAssert.CleanDissection(pcap);
        Assert.Equal([["200", "300000"]], Tshark.Fields(pcap, "http.response", "http.response.code", "http.content_length"));
        Assert.Equal(0, WiresharkAssert.Count(pcap, "tcp.analysis.flags && !tcp.analysis.window_update"));
        // The client acknowledges as the data arrives, never letting 64 KiB go unacknowledged.
        Assert.True(WiresharkAssert.Count(pcap, "tcp.srcport == 50800 && tcp.len == 0 && tcp.flags.syn == 0 && tcp.flags.fin == 0") >= 300_000 / 32_768);
    }

    [Fact]
    public void Connections_of_many_processes_and_both_ip_versions_share_one_file()
    {
        Tshark.Require();
        var traffic = new RecordedTraffic();
        var a = traffic.Open(20, ConnectionRole.Client, ConnectionSource.Connect, "127.0.0.1:50900", "127.0.0.1:8000", pid: 10, process: "curl");
        var b = traffic.Open(21, ConnectionRole.Server, ConnectionSource.Accept, "[::1]:8080", "[::1]:50901", pid: 11, process: "python3");
        // Interleaved as a recorder sees concurrent connections.
        a.Egress(HttpSamples.CurlGet("/a"));
        b.Ingress(HttpSamples.CurlGet("/b", host: "[::1]:8080"));
        b.Egress(HttpSamples.NginxOk("b"));
        a.Ingress(HttpSamples.NginxOk("a"));
        b.Close();
        a.Close();

        var (pcap, _) = _export.Convert(traffic);

        WiresharkAssert.CleanDissection(pcap);
        Assert.Equal([("GET", "/a"), ("GET", "/b")], WiresharkAssert.Requests(pcap).Order());
        Assert.Equal(2, Tshark.Fields(pcap, null, "tcp.stream").Select(r => r[0]).Distinct().Count());
        Assert.Equal(["pid 10 (curl), connection 20", "pid 11 (python3), connection 21"],
            Tshark.Fields(pcap, "http.request", "frame.comment").Select(r => r[0]).Order());
    }

    [Fact]
    public void Both_ends_of_one_connection_traced_are_written_once()
    {
        Tshark.Require();
        var traffic = new RecordedTraffic();
        // curl and the server on one host, both traced: two views of one TCP connection.
        var client = traffic.Open(30, ConnectionRole.Client, ConnectionSource.Connect, "127.0.0.1:51000", "127.0.0.1:8000", pid: 10, process: "curl");
        var server = traffic.Open(31, ConnectionRole.Server, ConnectionSource.Accept, "[::ffff:127.0.0.1]:8000", "[::ffff:127.0.0.1]:51000", pid: 11, process: "python3");
        client.Egress(HttpSamples.CurlGet("/twice"));
        server.Ingress(HttpSamples.CurlGet("/twice")).Egress(HttpSamples.NginxOk("once"));
        client.Ingress(HttpSamples.NginxOk("once"));
        client.Close();
        server.Close();

        var (pcap, stats) = _export.Convert(traffic);

        WiresharkAssert.CleanDissection(pcap);
        Assert.Equal([("GET", "/twice")], WiresharkAssert.Requests(pcap));
        Assert.Equal(0, WiresharkAssert.Count(pcap, "tcp.analysis.retransmission || tcp.analysis.spurious_retransmission"));
        Assert.Equal(1, stats.TwinConnectionsSkipped);
    }

    private sealed class RowComparer : IEqualityComparer<string[]>
    {
        public bool Equals(string[]? x, string[]? y) => x!.SequenceEqual(y!);
        public int GetHashCode(string[] row) => string.Join('\t', row).GetHashCode();
    }
}
