using System.Buffers;
using System.Text;
using Capture.Traffic.Http2;
using Capture.Traffic.Http2.Frames;
using Capture.Traffic.Http2.Hpack;

namespace Capture.Traffic.Tests.Http2;

public sealed class Http2ConnectionTests
{
    private static readonly TrafficDirection C2S = TrafficDirection.ClientToServer;
    private static readonly TrafficDirection S2C = TrafficDirection.ServerToClient;

    private static byte[] Bytes(int length, int seed = 1)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private static (string, string)[] Pairs(IEnumerable<Capture.Traffic.Http.HttpHeader> headers) => headers.Select(h => (h.Name, h.Value)).ToArray();

    [Fact]
    public void Requests_responses_bodies_and_trailers_pair_by_stream_with_pseudo_headers_in_wire_order()
    {
        byte[] upload = Bytes(40_000);
        byte[] download = Bytes(70_000, seed: 2);
        var c = Conversation.WithPreface()
            .Request(1, "GET", "/a")
            .Request(3, "POST", "/upload", endStream: false, ("content-type", "application/octet-stream"))
            .ClientData(3, upload)
            .Response(3, 201, extra: ("location", "/upload/1"))
            .Response(1, 200, extra: ("content-type", "text/plain"))
            .ServerData(1, download, endStream: false);
        c.Server(o => Http2FrameWriter.WriteHeaders(o, c.ServerEncoder, 1, [("x-checksum", "abc")], endStream: true))
            .ServerData(3, "done"u8.ToArray());
        var exchanges = c.Decode();

        Assert.Equal([1, 3], exchanges.Select(e => e.StreamId)); // handed out as they complete: 1 by its trailers, then 3
        var get = exchanges.Single(e => e.StreamId == 1);
        Assert.Equal([(":method", "GET"), (":scheme", "http"), (":authority", "example.test"), (":path", "/a")], Pairs(get.Request.Headers));
        Assert.Equal([(":status", "200"), ("content-type", "text/plain")], Pairs(get.Response.Headers));
        Assert.Equal(download, get.Response.Body.ToArray());
        Assert.Equal([("x-checksum", "abc")], Pairs(get.Response.Trailers));
        Assert.Equal(0, get.IndexOnConnection);
        Assert.False(get.Incomplete);

        var post = exchanges.Single(e => e.StreamId == 3);
        Assert.Equal("POST", post.Request.Method);
        Assert.Equal("/upload", post.Request.Path);
        Assert.Equal(upload, post.Request.Body.ToArray());
        Assert.Equal(201, post.Response.Status);
        Assert.Equal("done", Encoding.ASCII.GetString(post.Response.Body.Span));
        Assert.Equal(1, post.IndexOnConnection);

        // Timestamps: each step is one chunk 1000 ns after the previous (3 setup chunks first).
        Assert.Equal((4000UL, 4000UL), (get.Request.FirstByteNs, get.Request.LastByteNs));
        Assert.Equal((5000UL, 6000UL), (post.Request.FirstByteNs, post.Request.LastByteNs));
        Assert.Equal((8000UL, 10000UL), (get.Response.FirstByteNs, get.Response.LastByteNs));
    }

    [Fact]
    public void Informational_responses_come_before_the_final_one()
    {
        var c = Conversation.WithPreface()
            .Request(1, "POST", "/big", endStream: false, ("expect", "100-continue"))
            .Response(1, 100)
            .ClientData(1, Bytes(10))
            .Response(1, 103, extra: ("link", "</s.css>; rel=preload"))
            .Response(1, 200, endStream: true);
        var exchange = Assert.Single(c.Decode());
        Assert.Equal(200, exchange.Response.Status);
        Assert.Equal([["100"], ["103", "</s.css>; rel=preload"]], exchange.Response.Informational.Select(i => i.Select(h => h.Value).ToArray()));
        Assert.True(exchange.Response.Ended);
    }

    [Fact]
    public void Rst_stream_marks_only_its_stream_with_the_error_code()
    {
        var c = Conversation.WithPreface()
            .Request(1, "GET", "/slow")
            .Request(3, "GET", "/fast")
            .Client(o => Http2FrameWriter.WriteRstStream(o, 1, 8)) // CANCEL
            .Response(3, 200, endStream: true);
        var exchanges = c.Decode();
        var reset = exchanges.Single(e => e.StreamId == 1);
        Assert.Equal(8u, reset.ResetErrorCode);
        Assert.Equal(C2S, reset.ResetBy);
        Assert.False(reset.Response.Truncated);
        var ok = exchanges.Single(e => e.StreamId == 3);
        Assert.Null(ok.ResetErrorCode);
        Assert.Equal(200, ok.Response.Status);
    }

    [Fact]
    public void Goaway_marks_the_streams_above_its_last_stream_id()
    {
        var c = Conversation.WithPreface()
            .Request(1, "GET", "/1").Request(3, "GET", "/3").Request(5, "GET", "/5").Request(7, "GET", "/7")
            .Server(o => Http2FrameWriter.WriteGoAway(o, 3, 0))
            .Response(1, 200, endStream: true)
            .Response(3, 200, endStream: true);
        var exchanges = c.Decode();
        Assert.Equal([false, false, true, true], exchanges.OrderBy(e => e.StreamId).Select(e => e.RefusedByGoAway));
        Assert.All(exchanges.Where(e => e.StreamId <= 3), e => Assert.Equal(200, e.Response.Status));
    }

    [Fact]
    public void Server_push_creates_a_stream_whose_request_is_the_promise()
    {
        var c = Conversation.WithPreface().Request(1, "GET", "/index.html");
        c.Server(o => Http2FrameWriter.WritePushPromise(o, c.ServerEncoder, 1, 2,
            [(":method", "GET"), (":scheme", "http"), (":authority", "example.test"), (":path", "/style.css")]));
        c.Response(1, 200).ServerData(1, "<html>"u8.ToArray())
            .Response(2, 200, extra: ("content-type", "text/css")).ServerData(2, "body{}"u8.ToArray());
        var pushed = c.Decode().Single(e => e.StreamId == 2);
        Assert.Equal(1, pushed.PromisedOnStream);
        Assert.Equal("/style.css", pushed.Request.Path);
        Assert.Equal("body{}", Encoding.ASCII.GetString(pushed.Response.Body.Span));
        Assert.False(pushed.Incomplete);
    }

    [Fact]
    public void Continuation_frames_carry_a_long_header_block()
    {
        var c = Conversation.WithPreface();
        var many = Enumerable.Range(0, 200).Select(i => ($"x-header-{i}", new string((char)('a' + i % 26), 100))).ToArray();
        c.Client(o => Http2FrameWriter.WriteHeaders(o, c.ClientEncoder, 1,
            [(":method", "GET"), (":scheme", "https"), (":authority", "a.test"), (":path", "/"), .. many], endStream: true, maxFrameSize: 1000));
        c.Response(1, 204, endStream: true);
        Assert.Contains(c.Chunks, chunk => chunk.Bytes is { } b && b.Length > 10_000);
        var exchange = Assert.Single(c.Decode());
        Assert.Equal(many, Pairs(exchange.Request.Headers.Skip(4)));
    }

    [Fact]
    public void Settings_header_table_size_sent_by_one_side_limits_the_other_sides_encoder()
    {
        // The client allows a 64 KiB table; after the server's ACK the server's encoder grows its table.
        Conversation Build(bool clientAllows)
        {
            var c = new Conversation();
            c.Client(o =>
            {
                Http2FrameWriter.WritePreface(o);
                if (clientAllows)
                    Http2FrameWriter.WriteSettings(o, (Http2Settings.HeaderTableSize, 65536));
                else
                    Http2FrameWriter.WriteSettings(o);
            });
            c.Server(o => { Http2FrameWriter.WriteSettings(o); Http2FrameWriter.WriteSettingsAck(o); });
            c.Request(1, "GET", "/");
            c.Server(o =>
            {
                var block = new System.Buffers.ArrayBufferWriter<byte>();
                c.ServerEncoder.WriteSizeUpdate(65536, block);
                c.ServerEncoder.WriteHeaders([(":status", "200"), ("x-big", new string('z', 10_000))], block);
                Http2FrameWriter.WriteFrame(o, Http2FrameType.Headers, Http2Flags.EndHeaders | Http2Flags.EndStream, 1, block.WrittenSpan);
            });
            c.Request(3, "GET", "/again");
            c.Server(o => Http2FrameWriter.WriteHeaders(o, c.ServerEncoder, 3, [(":status", "200"), ("x-big", new string('z', 10_000))], endStream: true));
            return c;
        }

        var allowed = Build(clientAllows: true).Decode();
        Assert.All(allowed, e => Assert.Null(e.Response.MalformedReason));
        Assert.All(allowed, e => Assert.Equal(10_000, e.Response.GetHeader("x-big")!.Length));

        // Without the client's SETTINGS the same size update breaks the 4096 limit.
        var refused = Build(clientAllows: false).Decode();
        Assert.Contains("above the limit", refused.Single(e => e.StreamId == 1).Response.MalformedReason);
    }

    [Fact]
    public void A_lowered_table_size_binds_the_peers_encoder_once_acknowledged()
    {
        var c = Conversation.WithPreface();
        void ServerBlock(int stream, int sizeUpdate) => c.Server(o =>
        {
            var block = new ArrayBufferWriter<byte>();
            c.ServerEncoder.WriteSizeUpdate(sizeUpdate, block);
            c.ServerEncoder.WriteHeaders([(":status", "200")], block);
            Http2FrameWriter.WriteFrame(o, Http2FrameType.Headers, Http2Flags.EndHeaders | Http2Flags.EndStream, stream, block.WrittenSpan);
        });
        c.Request(1, "GET", "/1").Request(3, "GET", "/3");
        c.Client(o => Http2FrameWriter.WriteSettings(o, (Http2Settings.HeaderTableSize, 1024)));
        ServerBlock(1, 4096);                      // not acknowledged yet: the old limit still holds
        c.Server(Http2FrameWriter.WriteSettingsAck);
        ServerBlock(3, 4096);                      // acknowledged: 4096 is now above the limit

        var exchanges = c.Decode();
        Assert.Null(exchanges.Single(e => e.StreamId == 1).Response.MalformedReason);
        Assert.Contains("above the limit 1024", exchanges.Single(e => e.StreamId == 3).Response.MalformedReason);
    }

    [Fact]
    public void A_gap_inside_a_data_frame_marks_only_that_stream()
    {
        var c = Conversation.WithPreface().Request(3, "GET", "/3").Request(5, "GET", "/5");
        c.Response(3, 200).Response(5, 200);
        var frame = new System.Buffers.ArrayBufferWriter<byte>();
        Http2FrameWriter.WriteData(frame, 5, Bytes(1000), endStream: true);
        byte[] bytes = frame.WrittenSpan.ToArray();
        c.Server(o => o.Write(bytes.AsSpan(0, 300))).Gap(S2C, 200).Server(o => o.Write(bytes.AsSpan(500)));
        c.ServerData(3, Bytes(10));
        var exchanges = c.Decode();
        var five = exchanges.Single(e => e.StreamId == 5);
        Assert.Equal(200, five.Response.GapBytes);
        Assert.Equal(800, five.Response.Body.Length);
        Assert.True(five.Response.Ended);
        Assert.True(five.Incomplete);
        Assert.False(exchanges.Single(e => e.StreamId == 3).Incomplete);
    }

    [Fact]
    public void A_gap_that_loses_frame_boundaries_resyncs_marks_open_streams_and_drops_hpack_state()
    {
        var c = Conversation.WithPreface()
            .Request(1, "GET", "/done", extra: ("x-session", "s1"))
            .Response(1, 200, endStream: true)
            .Request(3, "POST", "/open", endStream: false, ("x-session", "s1"))
            .ClientData(3, Bytes(100), endStream: false)
            .Gap(C2S, 5000) // frames of unknown number and kind lost
            .ClientData(3, Bytes(100, seed: 3), endStream: true)
            .Request(5, "GET", "/after", extra: ("x-session", "s1")) // x-session is a dynamic reference now
            .Request(7, "GET", "/later", extra: ("x-other", "literal"))
            .Client(o => Http2FrameWriter.WriteData(o, 7, [], endStream: false)) // more frames so resync has a chain to check
            .Response(3, 200, endStream: true).Response(5, 200, endStream: true).Response(7, 200, endStream: true);
        var exchanges = c.Decode();

        var before = exchanges.Single(e => e.StreamId == 1);
        Assert.False(before.Incomplete);
        var open = exchanges.Single(e => e.StreamId == 3);
        Assert.True(open.Request.MayMissFrames);
        Assert.False(open.Response.Incomplete);
        // After the gap the client's HPACK table is unknown: the dynamic reference is marked, the rest decodes.
        var after = exchanges.Single(e => e.StreamId == 5);
        Assert.Equal("/after", after.Request.Path);
        Assert.True(after.Request.HpackIncomplete);
        Assert.DoesNotContain(after.Request.Headers, h => h.Name == "x-session");
        var later = exchanges.Single(e => e.StreamId == 7);
        Assert.Equal("literal", later.Request.GetHeader("x-other"));
    }

    [Fact]
    public void A_gap_inside_a_headers_frame_loses_that_head_and_the_hpack_state()
    {
        var c = Conversation.WithPreface().Request(1, "GET", "/1", extra: ("x-token", "t"));
        var frame = new System.Buffers.ArrayBufferWriter<byte>();
        Http2FrameWriter.WriteHeaders(frame, c.ClientEncoder, 3, [(":method", "GET"), (":scheme", "http"), (":authority", "example.test"), (":path", "/3"), ("x-new", "n")], endStream: true);
        byte[] bytes = frame.WrittenSpan.ToArray();
        c.Client(o => o.Write(bytes.AsSpan(0, 12))).Gap(C2S, 5).Client(o => o.Write(bytes.AsSpan(17)));
        c.Request(5, "GET", "/5", extra: ("x-token", "t"));
        c.Response(1, 200, endStream: true).Response(3, 200, endStream: true).Response(5, 200, endStream: true);
        var exchanges = c.Decode();
        Assert.False(exchanges.Single(e => e.StreamId == 1).Incomplete);
        var lost = exchanges.Single(e => e.StreamId == 3);
        Assert.True(lost.Request.HeadersLost);
        Assert.Equal(200, lost.Response.Status);
        var next = exchanges.Single(e => e.StreamId == 5);
        Assert.Equal("/5", next.Request.Path);
        Assert.True(next.Request.HpackIncomplete); // x-token was an entry from before the lost block
        Assert.False(exchanges.Single(e => e.StreamId == 5).Response.Incomplete);
    }

    [Fact]
    public void A_connection_joined_mid_way_decodes_what_it_can_and_marks_the_rest()
    {
        // The whole conversation happened, but recording starts inside the HEADERS frame of stream 3 (client) and of its response (server).
        var c = Conversation.WithPreface()
            .Request(1, "GET", "/warm", extra: ("x-api-key", "secret"))
            .Response(1, 200, endStream: true, ("x-served-by", "node-7"))
            .Request(3, "POST", "/upload", endStream: false)
            .ClientData(3, Bytes(3000), endStream: true)
            .Response(3, 200, endStream: true, ("x-served-by", "node-7"))
            .Request(5, "GET", "/next", extra: ("x-api-key", "secret"))
            .Request(7, "GET", "/other", extra: ("x-fresh", "1"))
            .Response(5, 404, endStream: true, ("x-served-by", "node-7"))
            .Response(7, 200, endStream: true, ("x-served-by", "node-7"));
        byte[] client = c.BytesOf(C2S);
        byte[] server = c.BytesOf(S2C);
        int clientCut = client.Length - c.Chunks.Where(x => x.Direction == C2S).TakeLast(3).Sum(x => x.Bytes!.Length) - 5;
        int serverCut = server.Length - c.Chunks.Where(x => x.Direction == S2C).TakeLast(2).Sum(x => x.Bytes!.Length) - 7;

        var exchanges = new List<Http2Exchange>();
        using var connection = new Http2Connection(exchanges.Add, joinedMidStream: true);
        connection.OnData(C2S, client.AsMemory(clientCut), 1);
        connection.OnData(S2C, server.AsMemory(serverCut), 2);
        connection.OnEnd(3);

        var next = exchanges.Single(e => e.StreamId == 5);
        Assert.Equal("/next", next.Request.Path);              // static and literal
        Assert.True(next.Request.HpackIncomplete);              // x-api-key was inserted before recording
        Assert.Equal(404, next.Response.Status);
        Assert.True(next.Response.HpackIncomplete);             // x-served-by too
        var other = exchanges.Single(e => e.StreamId == 7);
        Assert.Equal("1", other.Request.GetHeader("x-fresh"));
        var partial = exchanges.Single(e => e.StreamId == 3);
        Assert.True(partial.Request.HeadersLost);
        Assert.True(partial.Request.Ended);
        Assert.True(connection.SkippedBytes > 0);
    }

    [Fact]
    public void Random_chunk_splits_decode_identically()
    {
        var c = Conversation.WithPreface();
        for (int stream = 1; stream <= 41; stream += 2)
        {
            c.Request(stream, stream % 3 == 0 ? "POST" : "GET", $"/item/{stream}", endStream: stream % 3 != 0, ("x-trace", $"t{stream % 4}"));
            if (stream % 3 == 0)
                c.ClientData(stream, Bytes(stream * 300, stream));
        }
        for (int stream = 41; stream >= 1; stream -= 2)
        {
            c.Response(stream, 200, extra: ("x-trace", $"t{stream % 4}"));
            c.ServerData(stream, Bytes(stream * 1000, stream + 1), endStream: stream % 5 != 0);
            if (stream % 5 == 0)
                c.Server(o => Http2FrameWriter.WriteHeaders(o, c.ServerEncoder, stream, [("grpc-status", "0")], endStream: true));
        }
        string whole = Conversation.Describe(c.Decode());
        Assert.Equal(21, c.Decode().Count);
        for (int seed = 0; seed < 5; seed++)
            Assert.Equal(whole, Conversation.Describe(c.Decode(split: new Random(seed))));
    }

    [Fact]
    public void Bodies_beyond_the_limit_are_counted_and_marked_truncated()
    {
        var c = Conversation.WithPreface().Request(1, "GET", "/").Response(1, 200).ServerData(1, Bytes(50_000));
        var exchange = Assert.Single(c.Decode(options: new Http2ConnectionOptions { MaxBodyBytes = 10_000 }));
        Assert.Equal(10_000, exchange.Response.Body.Length);
        Assert.Equal(50_000, exchange.Response.BodySize);
        Assert.True(exchange.Response.Truncated);
    }

    [Fact]
    public void A_connection_that_ends_mid_stream_hands_out_open_streams_truncated()
    {
        var c = Conversation.WithPreface().Request(1, "GET", "/").Response(1, 200).ServerData(1, Bytes(100), endStream: false);
        var exchange = Assert.Single(c.Decode());
        Assert.True(exchange.Response.Truncated);
        Assert.False(exchange.Request.Truncated);
        Assert.Equal(100, exchange.Response.Body.Length);
    }

    [Fact]
    public void Garbage_never_throws()
    {
        var random = new Random(7);
        for (int round = 0; round < 200; round++)
        {
            var exchanges = new List<Http2Exchange>();
            using var connection = new Http2Connection(exchanges.Add, joinedMidStream: round % 2 == 0);
            var c = Conversation.WithPreface().Request(1, "GET", "/x").Response(1, 200).ServerData(1, Bytes(100));
            foreach (var chunk in c.Chunks)
            {
                var bytes = chunk.Bytes!.ToArray();
                for (int flips = random.Next(4); flips > 0; flips--)
                    bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
                connection.OnData(chunk.Direction, bytes, chunk.Ns);
                if (random.Next(5) == 0)
                    connection.OnGap(chunk.Direction, random.Next(1, 100), chunk.Ns);
            }
            var noise = Bytes(random.Next(1, 3000), round);
            connection.OnData(C2S, noise, 99);
            connection.OnEnd(100);
        }
    }
}
