using System.Text;
using Capture.Traffic.Http;

namespace Capture.Traffic.Tests.Http;

public class HttpStreamParserTests
{
    // (is request, method answered, wire text) — every one is a complete, valid message.
    public static readonly TheoryData<bool, string, string> ValidMessages = new()
    {
        { true, "", "GET / HTTP/1.1\r\nHost: a\r\n\r\n" },
        { true, "", "GET /x?y=1 HTTP/1.0\r\n\r\n" },
        { true, "", "POST /f HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello" },
        { true, "", "POST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;ext=1\r\nde\r\n0\r\nX-Sum: 9\r\n\r\n" },
        { true, "", "GET /fold HTTP/1.1\r\nX-Long: one\r\n two\r\n\tthree\r\n\r\n" },
        { true, "", "GET /lf HTTP/1.1\nHost: a\n\n" },
        { true, "", "OPTIONS * HTTP/1.1\r\n\r\n" },
        { false, "GET", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok" },
        { false, "GET", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nWiki\r\n5\r\npedia\r\n0\r\n\r\n" },
        { false, "HEAD", "HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n" },
        { false, "GET", "HTTP/1.1 204 No Content\r\nContent-Length: 10\r\n\r\n" },
        { false, "GET", "HTTP/1.1 304 Not Modified\r\nETag: \"x\"\r\n\r\n" },
        { false, "GET", "HTTP/1.1 100 Continue\r\n\r\n" },
        { false, "GET", "HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n" },
        { false, "GET", "HTTP/1.1 404 Not Found\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\nContent-Length: 3\r\n\r\nno!" },
    };

    public static readonly TheoryData<bool, string> InvalidMessages = new()
    {
        { true, "GET /\r\n\r\n" },
        { true, "GET / HTTP/2.0\r\n\r\n" },
        { true, "G(T / HTTP/1.1\r\n\r\n" },
        { true, "GET / HTTP/1.1\r\nBad Name: x\r\n\r\n" },
        { true, "GET / HTTP/1.1\r\nNoColon\r\n\r\n" },
        { true, "GET / HTTP/1.1\r\n folded-first: x\r\n\r\n" },
        { true, "POST / HTTP/1.1\r\nContent-Length: 12x\r\n\r\n" },
        { true, "POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabc" },
        { true, "POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n" },
        { true, "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n" },
        { true, "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX\r\n" },
        { false, "HTTP/1.1 2x0 OK\r\n\r\n" },
        { false, "HTTX/1.1 200 OK\r\n\r\n" },
        { false, "\u0016\u0003\u0001\u0002\u0000\u0001\u0000\u0001\u00fc\u0003\u0003 TLS hello\n\n" },
    };

    [Theory]
    [MemberData(nameof(ValidMessages))]
    public void Valid_message_parses_into_exactly_one_message(bool request, string method, string wire)
    {
        using var h = new ParserHarness(request, method).Feed(wire);
        var m = Assert.Single(h.Messages);
        Assert.False(m.Malformed, m.MalformedReason);
        Assert.False(m.Truncated);
        Assert.Equal(0, m.GapBytes);
        Assert.Equal(Encoding.UTF8.GetByteCount(wire), m.HeadSize + m.WireBodySize);
    }

    [Theory]
    [MemberData(nameof(ValidMessages))]
    public void Every_prefix_of_a_valid_message_is_incomplete_and_loses_nothing(bool request, string method, string wire)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(wire);
        using var whole = new ParserHarness(request, method).Feed(bytes);
        string expected = ParserHarness.Describe(Assert.Single(whole.Messages));
        for (int cut = 0; cut < bytes.Length; cut++)
        {
            using var h = new ParserHarness(request, method) { ReuseBuffer = cut % 2 == 1 }.Feed(bytes[..cut]);
            Assert.Empty(h.Messages);
            h.Feed(bytes[cut..]);
            Assert.Equal(expected, ParserHarness.Describe(Assert.Single(h.Messages)));
        }
    }

    [Theory]
    [MemberData(nameof(InvalidMessages))]
    public void Invalid_message_is_marked_malformed_and_the_next_one_still_parses(bool request, string wire)
    {
        string next = request ? "GET /after HTTP/1.1\r\nHost: a\r\n\r\n" : "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
        using var h = new ParserHarness(request, "GET", "GET").Feed(Encoding.Latin1.GetBytes(wire)).Feed(next);
        Assert.Contains(h.Messages, m => m.Malformed && m.MalformedReason is not null);
        var last = h.Messages[^1];
        Assert.False(last.Malformed);
        Assert.Equal(request ? "/after" : "OK", request ? last.Target : last.Reason);
    }

    [Fact]
    public void Chunked_body_is_dechunked_and_trailers_kept()
    {
        using var h = new ParserHarness(false, "GET").Feed("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nWiki\r\n5\r\npedia\r\n0\r\nX-Checksum: abc\r\nX-Two: 2\r\n\r\n");
        var m = Assert.Single(h.Messages);
        Assert.Equal("Wikipedia", Encoding.ASCII.GetString(m.Body.Span));
        Assert.Equal([new HttpHeader("X-Checksum", "abc"), new HttpHeader("X-Two", "2")], m.Trailers);
    }

    [Fact]
    public void Duplicate_headers_are_kept_in_order_and_obs_fold_is_joined()
    {
        using var h = new ParserHarness(true).Feed("GET / HTTP/1.1\r\nA: 1\r\nB: x\r\n  y\r\nA: 2\r\n\r\n");
        var m = Assert.Single(h.Messages);
        Assert.Equal([new HttpHeader("A", "1"), new HttpHeader("B", "x y"), new HttpHeader("A", "2")], m.Headers);
    }

    [Fact]
    public void Head_response_has_no_body_even_with_content_length()
    {
        using var h = new ParserHarness(false, "HEAD", "GET")
            .Feed("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello");
        Assert.Equal(2, h.Messages.Count);
        Assert.Equal(0, h.Messages[0].Body.Length);
        Assert.Equal("hello", Encoding.ASCII.GetString(h.Messages[1].Body.Span));
    }

    [Fact]
    public void Continue_then_final_response()
    {
        using var h = new ParserHarness(false, "POST").Feed("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nid");
        Assert.Equal([100, 201], h.Messages.Select(m => m.StatusCode));
        Assert.Equal("id", Encoding.ASCII.GetString(h.Messages[1].Body.Span));
    }

    [Fact]
    public void Close_delimited_body_ends_with_the_stream()
    {
        using var h = new ParserHarness(false, "GET").Feed("HTTP/1.0 200 OK\r\n\r\nall of ").Feed("this", 7);
        Assert.Empty(h.Messages);
        h.Parser.End(9);
        var m = Assert.Single(h.Messages);
        Assert.Equal("all of this", Encoding.ASCII.GetString(m.Body.Span));
        Assert.False(m.Truncated);
        Assert.Equal(7UL, m.LastByteNs);
    }

    [Fact]
    public void Content_length_body_cut_by_the_end_of_stream_is_truncated()
    {
        using var h = new ParserHarness(false, "GET").Feed("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc");
        h.Parser.End(2);
        var m = Assert.Single(h.Messages);
        Assert.True(m.Truncated);
        Assert.Equal("abc", Encoding.ASCII.GetString(m.Body.Span));
    }

    [Fact]
    public void Pipelined_requests_in_one_buffer_come_out_in_order()
    {
        using var h = new ParserHarness(true).Feed("GET /1 HTTP/1.1\r\n\r\nPOST /2 HTTP/1.1\r\nContent-Length: 3\r\n\r\nabcGET /3 HTTP/1.1\r\n\r\n");
        Assert.Equal(["/1", "/2", "/3"], h.Messages.Select(m => m.Target));
        Assert.Equal("abc", Encoding.ASCII.GetString(h.Messages[1].Body.Span));
    }

    [Fact]
    public void Switching_protocols_ends_http_parsing()
    {
        using var h = new ParserHarness(false, "GET").Feed("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n\u0081\u0005hello HTTP/1.1 200 OK\r\n\r\n");
        var m = Assert.Single(h.Messages);
        Assert.Equal(101, m.StatusCode);
        Assert.True(h.Parser.InTunnel);
        Assert.True(h.Parser.TunnelBytes > 0);
    }

    [Fact]
    public void Gap_inside_a_content_length_body_marks_the_message_incomplete_without_splicing()
    {
        using var h = new ParserHarness(false, "GET", "GET").Feed("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc");
        h.Parser.Gap(4, 2);
        h.Feed("xyz", 3).Feed("HTTP/1.1 204 No Content\r\n\r\n", 4);
        Assert.Equal(2, h.Messages.Count);
        Assert.Equal(4, h.Messages[0].GapBytes);
        Assert.Equal("abcxyz", Encoding.ASCII.GetString(h.Messages[0].Body.Span));
        Assert.Equal(204, h.Messages[1].StatusCode);
    }

    [Fact]
    public void Gap_over_a_head_yields_a_lost_placeholder_and_resyncs_at_the_next_start_line()
    {
        using var h = new ParserHarness(true).Feed("GET /first HTTP/1.1\r\nHo");
        h.Parser.Gap(100, 2);
        h.Feed("st: a\r\n\r\nGET /second HTTP/1.1\r\n\r\n", 3);
        Assert.Equal(2, h.Messages.Count);
        Assert.True(h.Messages[0].Lost);
        Assert.Equal(100, h.Messages[0].GapBytes);
        Assert.Equal("/second", h.Messages[1].Target);
        Assert.True(h.Parser.SkippedBytes > 0);
    }

    [Fact]
    public void Gap_at_a_message_boundary_resyncs_immediately()
    {
        using var h = new ParserHarness(true).Feed("GET /a HTTP/1.1\r\n\r\n");
        h.Parser.Gap(40, 2);
        h.Feed("GET /c HTTP/1.1\r\n\r\n", 3);
        Assert.Equal(["/a", "", "/c"], h.Messages.Select(m => m.Target));
        Assert.Equal(0, h.Parser.SkippedBytes);
    }

    [Fact]
    public void Timestamps_are_those_of_the_calls_that_carried_the_first_and_last_byte()
    {
        using var h = new ParserHarness(false, "GET").Feed("HTTP/1.1 200 OK\r\n", 10).Feed("Content-Length: 4\r\n\r\nab", 20).Feed("cd", 30);
        var m = Assert.Single(h.Messages);
        Assert.Equal(10UL, m.FirstByteNs);
        Assert.Equal(30UL, m.LastByteNs);
    }

    [Fact]
    public void Random_chunk_boundaries_give_the_same_messages()
    {
        var wire = new StringBuilder();
        var random = new Random(1234);
        for (int i = 0; i < 40; i++)
        {
            string body = new string((char)('a' + i % 26), random.Next(0, 300));
            wire.Append((i % 3) switch
            {
                0 => $"HTTP/1.1 200 OK\r\nContent-Length: {body.Length}\r\nX-I: {i}\r\n\r\n{body}",
                1 => $"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n{Chunk(body, random)}0\r\nT: {i}\r\n\r\n",
                _ => $"HTTP/1.1 304 Not Modified\r\nETag: \"{i}\"\r\n\r\n",
            });
        }
        byte[] bytes = Encoding.ASCII.GetBytes(wire.ToString());
        string[] methods = Enumerable.Repeat("GET", 40).ToArray();
        using var whole = new ParserHarness(false, methods).Feed(bytes);
        var expected = whole.Messages.Select(ParserHarness.Describe).ToList();
        Assert.Equal(40, expected.Count);

        for (int round = 0; round < 200; round++)
        {
            using var h = new ParserHarness(false, methods) { ReuseBuffer = round % 4 >= 2 };
            int pos = 0;
            while (pos < bytes.Length)
            {
                int size = Math.Min(bytes.Length - pos, random.Next(1, round % 2 == 0 ? 8 : 700));
                h.Feed(bytes[pos..(pos + size)]);
                pos += size;
            }
            Assert.Equal(expected, h.Messages.Select(ParserHarness.Describe).ToList());
        }
    }

    [Fact]
    public void Garbage_never_throws()
    {
        var random = new Random(99);
        for (int round = 0; round < 300; round++)
        {
            byte[] noise = new byte[random.Next(1, 2000)];
            random.NextBytes(noise);
            // Sprinkle pieces of HTTP so the parser goes deep into its states.
            string[] pieces = ["HTTP/1.1 200 OK\r\n", "Transfer-Encoding: chunked\r\n", "\r\n\r\n", "Content-Length: 5\r\n", "GET / HTTP/1.1\r\n", "0\r\n\r\n"];
            for (int i = 0; i < 5; i++)
            {
                var piece = Encoding.ASCII.GetBytes(pieces[random.Next(pieces.Length)]);
                int at = random.Next(0, Math.Max(1, noise.Length - piece.Length));
                piece.AsSpan(0, Math.Min(piece.Length, noise.Length - at)).CopyTo(noise.AsSpan(at));
            }
            using var h = new ParserHarness(round % 2 == 0, "GET");
            for (int pos = 0; pos < noise.Length; pos += 37)
            {
                h.Feed(noise[pos..Math.Min(noise.Length, pos + 37)]);
                if (pos % 5 == 0)
                    h.Parser.Gap(random.Next(1, 50), 1);
            }
            h.Parser.End(2);
        }
    }

    private static string Chunk(string body, Random random)
    {
        var sb = new StringBuilder();
        int pos = 0;
        while (pos < body.Length)
        {
            int n = Math.Min(body.Length - pos, random.Next(1, 64));
            sb.Append($"{n:x}\r\n{body.Substring(pos, n)}\r\n");
            pos += n;
        }
        return sb.ToString();
    }
}
