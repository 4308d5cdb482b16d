using System.Buffers;
using System.Text;
using Capture.Format.Records;
using Capture.Traffic.Http2.Frames;
using Capture.Traffic.Http2.Hpack;
using Capture.Traffic.Reassembly;

namespace Capture.Traffic.Tests.Reassembly;

/// <summary>
/// The reassembly layer routes an HTTP/2 connection to the HTTP/2 parser and hands out the same
/// exchange type as for HTTP/1: one per stream, with stream id, version, trailers and gaps.
/// </summary>
public class Http2RoutingTests
{
    private const string Client = "10.0.0.1:50000";
    private const string Server = "10.0.0.2:8080";

    /// <summary>A server-side recording of one connection: client bytes are ingress, server bytes egress.</summary>
    internal sealed class H2Script
    {
        public RecordScript Records { get; } = new();
        public HpackEncoder ClientEncoder { get; } = new();
        public HpackEncoder ServerEncoder { get; } = new();
        public ulong Id { get; }

        public H2Script(ulong id = 1, ConnectionSource source = ConnectionSource.Accept, bool preface = true, ConnectionRole role = ConnectionRole.Server,
            string local = Server, string remote = Client, bool serverSide = true)
        {
            Id = id;
            ServerSide = serverSide;
            Records.Open(id, role, local, remote, source: source);
            if (preface)
            {
                FromClient(o => { Http2FrameWriter.WritePreface(o); Http2FrameWriter.WriteSettings(o); });
                FromServer(o => { Http2FrameWriter.WriteSettings(o); Http2FrameWriter.WriteSettingsAck(o); });
                FromClient(Http2FrameWriter.WriteSettingsAck);
            }
        }

        /// <summary>Recorded at the server (client bytes are ingress) or at the client.</summary>
        public bool ServerSide { get; }

        public H2Script FromClient(Action<ArrayBufferWriter<byte>> write, ulong cut = 0) =>
            Write(ServerSide ? Direction.Ingress : Direction.Egress, write, cut);

        public H2Script FromServer(Action<ArrayBufferWriter<byte>> write, ulong cut = 0) =>
            Write(ServerSide ? Direction.Egress : Direction.Ingress, write, cut);

        public H2Script Request(int stream, string method, string path, bool endStream = true, params (string, string)[] extra) =>
            FromClient(o => Http2FrameWriter.WriteHeaders(o, ClientEncoder, stream,
                [(":method", method), (":scheme", "http"), (":authority", "api.test"), (":path", path), .. extra], endStream));

        public H2Script Response(int stream, int status, bool endStream = false, params (string, string)[] extra) =>
            FromServer(o => Http2FrameWriter.WriteHeaders(o, ServerEncoder, stream, [(":status", status.ToString(System.Globalization.CultureInfo.InvariantCulture)), .. extra], endStream));

        public H2Script Trailers(int stream, params (string, string)[] fields) =>
            FromServer(o => Http2FrameWriter.WriteHeaders(o, ServerEncoder, stream, fields, endStream: true));

        public H2Script ServerData(int stream, byte[] body, bool endStream = true, ulong cut = 0) =>
            FromServer(o => Http2FrameWriter.WriteData(o, stream, body, endStream), cut);

        public H2Script ClientData(int stream, byte[] body, bool endStream = true) =>
            FromClient(o => Http2FrameWriter.WriteData(o, stream, body, endStream));

        public H2Script Close()
        {
            Records.Close(Id);
            return this;
        }

        private H2Script Write(Direction direction, Action<ArrayBufferWriter<byte>> write, ulong cut)
        {
            var buffer = new ArrayBufferWriter<byte>();
            write(buffer);
            Records.Send(Id, direction, buffer.WrittenSpan.ToArray(), cut);
            return this;
        }
    }

    internal static List<HttpExchange> Extract(IEnumerable<CaptureRecord> records, out ExtractionStats stats)
    {
        var extractor = new ExchangeExtractor(RecordScript.Header, records);
        var exchanges = extractor.ExchangesInStartOrder().ToList();
        stats = extractor.Stats;
        return exchanges;
    }

    [Fact]
    public void A_connection_opening_with_the_preface_gives_one_exchange_per_stream_like_http1_does()
    {
        byte[] upload = Enumerable.Range(0, 40_000).Select(i => (byte)(i % 251)).ToArray();
        var s = new H2Script()
            .Request(1, "GET", "/a?x=1")
            .Request(3, "POST", "/upload", endStream: false, ("content-type", "application/octet-stream"))
            .ClientData(3, upload)
            .Response(3, 201, extra: ("content-type", "text/plain"))
            .ServerData(3, "stored"u8.ToArray(), endStream: false)
            .Trailers(3, ("x-checksum", "abc"))
            .Response(1, 200, extra: ("content-type", "text/plain"))
            .ServerData(1, "first"u8.ToArray())
            .Close();

        var exchanges = Extract(s.Records.Records, out var stats);

        Assert.Equal(1, stats.Http2Connections);
        Assert.Equal(2, exchanges.Count);
        var get = exchanges[0];
        Assert.Equal((1, "GET", "/a?x=1", 200, "HTTP/2"), (get.Http2!.StreamId, get.Request!.Method, get.Request.Target, get.Response!.StatusCode, get.HttpVersion));
        Assert.Equal("first", Encoding.UTF8.GetString(get.Response.Body.Span));
        Assert.False(get.Incomplete);
        var post = exchanges[1];
        Assert.Equal(3, post.Http2!.StreamId);
        Assert.Equal(1, post.IndexOnConnection);
        Assert.Equal(upload, post.Request!.Body.ToArray());
        Assert.Equal(upload.Length, post.Request.WireBodySize);
        Assert.Equal([new("x-checksum", "abc")], post.Response!.Trailers);
        Assert.Equal(":method", post.Request.Headers[0].Name);
        Assert.True(get.StartNs < post.StartNs);
    }

    [Fact]
    public void A_gap_inside_one_streams_data_marks_only_that_stream()
    {
        var s = new H2Script()
            .Request(1, "GET", "/one")
            .Request(3, "GET", "/three")
            .Response(1, 200);
        // The recorder cut the last 100 octets of a 1000-octet DATA frame: its length is known, its end is not.
        var frame = new ArrayBufferWriter<byte>();
        Http2FrameWriter.WriteData(frame, 1, Enumerable.Repeat((byte)'x', 1000).ToArray(), endStream: true);
        s.Records.Send(1, Direction.Egress, frame.WrittenSpan[..^100].ToArray(), cut: 100);
        s.Response(3, 200).ServerData(3, "intact"u8.ToArray()).Close();

        var exchanges = Extract(s.Records.Records, out _);

        var one = Assert.Single(exchanges, e => e.Request!.Target == "/one");
        var three = Assert.Single(exchanges, e => e.Request!.Target == "/three");
        Assert.Equal(100, one.GapBytes);
        Assert.True(one.Incomplete);
        Assert.Equal(0, three.GapBytes);
        Assert.False(three.Incomplete);
        Assert.Equal("intact", Encoding.UTF8.GetString(three.Response!.Body.Span));
    }

    [Fact]
    public void A_connection_joined_mid_way_is_recognised_from_plausible_frames_and_marks_what_hpack_cannot_know()
    {
        // Before recording: the client's encoder inserted "x-tenant: blue" into its table.
        var s = new H2Script(source: ConnectionSource.AlreadyOpen, preface: false);
        var before = new ArrayBufferWriter<byte>();
        s.ClientEncoder.WriteHeaders([(":method", "GET"), (":scheme", "http"), (":authority", "api.test"), (":path", "/warm"), ("x-tenant", "blue")], before);
        // Recording starts here: stream 5 refers to the entry by index; the server's reply is all literals it can read.
        s.Request(5, "GET", "/later", extra: ("x-tenant", "blue"))
            .Response(5, 200, extra: ("content-type", "text/plain"))
            .ServerData(5, "ok"u8.ToArray())
            .Close();

        var exchanges = Extract(s.Records.Records, out var stats);

        Assert.Equal(1, stats.Http2Connections);
        var exchange = Assert.Single(exchanges);
        Assert.Equal(5, exchange.Http2!.StreamId);
        Assert.True(exchange.Http2.HpackIncomplete);
        Assert.True(exchange.Incomplete);
        Assert.Equal(200, exchange.Response!.StatusCode);
        Assert.Equal("ok", Encoding.UTF8.GetString(exchange.Response.Body.Span));
    }

    [Fact]
    public void Http1_joined_mid_way_stays_http1()
    {
        var s = new RecordScript();
        s.Open(1, ConnectionRole.Server, Server, Client, source: ConnectionSource.AlreadyOpen)
            .Send(1, Direction.Ingress, "GET /still-h1 HTTP/1.1\r\nHost: api.test\r\n\r\n")
            .Send(1, Direction.Egress, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
            .Close(1);

        var exchange = Assert.Single(Extract(s.Records, out var stats));

        Assert.Equal(0, stats.Http2Connections);
        Assert.Null(exchange.Http2);
        Assert.Equal("HTTP/1.1", exchange.HttpVersion);
        Assert.Equal("/still-h1", exchange.Request!.Target);
    }

    [Fact]
    public void An_h2_server_that_speaks_first_inside_tls_is_still_routed_to_http2()
    {
        // nginx sends its SETTINGS as soon as the TLS handshake ends, often before it reads the preface.
        var s = new H2Script(preface: false);
        const ushort maxConcurrentStreams = 0x3;
        s.FromServer(o => { Http2FrameWriter.WriteSettings(o, (maxConcurrentStreams, 128)); Http2FrameWriter.WriteFrame(o, Http2FrameType.WindowUpdate, 0, 0, [0, 0x10, 0, 0]); })
            .FromClient(o => { Http2FrameWriter.WritePreface(o); Http2FrameWriter.WriteSettings(o); })
            .Request(1, "GET", "/tls")
            .Response(1, 200)
            .ServerData(1, "secret"u8.ToArray())
            .Close();

        var exchange = Assert.Single(Extract(s.Records.Records, out _));

        Assert.Equal("/tls", exchange.Request!.Target);
        Assert.Equal("secret", Encoding.UTF8.GetString(exchange.Response!.Body.Span));
        Assert.Equal(ConnectionRole.Server, exchange.Connection.Role);
    }

    [Fact]
    public void Twin_connections_merge_stream_by_stream_even_when_streams_finish_in_another_order_at_each_end()
    {
        // The same connection recorded at the client (id 1) and at the server (id 2).
        var records = new List<CaptureRecord>();
        var client = new H2Script(1, ConnectionSource.Connect, role: ConnectionRole.Client, local: Client, remote: Server, serverSide: false);
        var server = new H2Script(2, local: Server, remote: Client);
        foreach (var end in new[] { client, server })
        {
            end.Request(1, "GET", "/slow").Request(3, "GET", "/fast");
        }
        // The server answers 3 first; the client's end sees 1 finish first (its reads happened to come so).
        server.Response(3, 200).ServerData(3, "fast"u8.ToArray()).Response(1, 200).ServerData(1, "slow"u8.ToArray());
        client.Response(1, 200).ServerData(1, "slow"u8.ToArray()).Response(3, 200).ServerData(3, "fast"u8.ToArray());
        client.Close();
        server.Close();
        // Interleave as one capture: client open, server open, then both ends' data by time.
        records.AddRange(client.Records.Records.Concat(server.Records.Records).OrderBy(r => r.TimestampNs));

        var exchanges = Extract(records, out var stats);

        Assert.Equal(2, exchanges.Count);
        Assert.Equal(2, stats.DuplicateExchangesDropped);
        Assert.All(exchanges, e => Assert.Equal(1UL, e.Connection.ConnectionId));
        Assert.All(exchanges, e => Assert.Equal(2UL, e.Peer!.ConnectionId));
        Assert.Equal(["/slow", "/fast"], exchanges.Select(e => e.Request!.Target));
    }

    [Fact]
    public void The_exchange_filter_applies_to_http2_exchanges_unchanged()
    {
        var s = new H2Script()
            .Request(1, "GET", "/api/items").Response(1, 200, endStream: true)
            .Request(3, "DELETE", "/admin/x").Response(3, 404, endStream: true)
            .Close();
        var exchanges = Extract(s.Records.Records, out _);

        Assert.Equal(["/api/items"], exchanges.Where(new ExchangeFilter { PathPrefix = "/api/" }.Matches).Select(e => e.Request!.Target));
        Assert.Equal(["/admin/x"], exchanges.Where(new ExchangeFilter { Status = ExchangeFilter.ParseStatus("4xx") }.Matches).Select(e => e.Request!.Target));
        Assert.Equal(2, exchanges.Count(new ExchangeFilter { Host = "api.test" }.Matches));
        Assert.DoesNotContain(exchanges, new ExchangeFilter { Host = "other.test" }.Matches);
        Assert.Equal(["/admin/x"], exchanges.Where(new ExchangeFilter { Method = "delete" }.Matches).Select(e => e.Request!.Target));
    }
}
