using System.Text;
using System.Text.Json;
using Capture.Traffic.Grpc;
using Capture.Traffic.Har;
using Capture.Traffic.Http2.Frames;
using Capture.Traffic.Http2.Hpack;
using Capture.Traffic.Tests.Reassembly;

namespace Capture.Traffic.Tests.Har;

/// <summary>HTTP/2 streams and gRPC calls in HAR, as Chrome's export shows HTTP/2, with our custom fields.</summary>
public class Http2HarTests
{
    private static (JsonElement Log, HarLog Read, HarConversionSummary Summary) Convert(Http2RoutingTests.H2Script script, HarConversionOptions? options = null)
    {
        string path = Path.Combine(Path.GetTempPath(), $"h2-{Guid.NewGuid():N}.har");
        try
        {
            HarConversionSummary summary;
            using (var file = File.Create(path))
                summary = HarConversion.Run(RecordScript.Header, script.Records.Records, file, options);
            HarValidatorTool.AssertValid(path);
            using var document = JsonDocument.Parse(File.ReadAllBytes(path));
            return (document.RootElement.GetProperty("log").Clone(), HarReader.Read(path), summary);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void An_h2_stream_is_one_entry_with_chromes_version_pseudo_headers_url_stream_and_trailers()
    {
        var s = new Http2RoutingTests.H2Script()
            .Request(1, "GET", "/items?page=2&q=a%20b", extra: [("accept", "application/json"), ("cookie", "session=abc")])
            .Request(3, "POST", "/items", endStream: false, ("content-type", "application/json"))
            .ClientData(3, "{\"name\":\"pen\"}"u8.ToArray())
            .Response(3, 201, extra: ("content-type", "application/json"))
            .ServerData(3, "{\"id\":7}"u8.ToArray(), endStream: false)
            .Trailers(3, ("x-audit", "done"))
            .Response(1, 200, extra: ("content-type", "application/json"))
            .ServerData(1, "[]"u8.ToArray())
            .Close();

        var (log, read, summary) = Convert(s);

        Assert.Equal(2, summary.Written);
        Assert.Equal(1, summary.Http2Connections);
        var entries = log.GetProperty("entries").EnumerateArray().ToList();
        var get = entries[0];
        var request = get.GetProperty("request");
        Assert.Equal("http/2.0", request.GetProperty("httpVersion").GetString());
        Assert.Equal("http/2.0", get.GetProperty("response").GetProperty("httpVersion").GetString());
        Assert.Equal("http://api.test/items?page=2&q=a%20b", request.GetProperty("url").GetString());
        Assert.Equal([":authority", ":method", ":path", ":scheme", "accept", "cookie"],
            request.GetProperty("headers").EnumerateArray().Select(h => h.GetProperty("name").GetString()));
        Assert.Equal(-1, request.GetProperty("headersSize").GetInt32());
        Assert.Equal(["page", "q"], request.GetProperty("queryString").EnumerateArray().Select(q => q.GetProperty("name").GetString()));
        Assert.Equal("session", Assert.Single(request.GetProperty("cookies").EnumerateArray()).GetProperty("name").GetString());
        var response = get.GetProperty("response");
        Assert.Equal(200, response.GetProperty("status").GetInt32());
        Assert.Equal("", response.GetProperty("statusText").GetString());
        Assert.DoesNotContain(response.GetProperty("headers").EnumerateArray(), h => h.GetProperty("name").GetString() == ":status");
        Assert.Equal("[]", response.GetProperty("content").GetProperty("text").GetString());
        Assert.Equal(1, get.GetProperty("_stream").GetInt32());
        Assert.Equal(1, get.GetProperty("_connectionId").GetInt32());
        Assert.Equal("1", get.GetProperty("connection").GetString());

        var post = entries[1];
        Assert.Equal(3, post.GetProperty("_stream").GetInt32());
        Assert.Equal("{\"name\":\"pen\"}", post.GetProperty("request").GetProperty("postData").GetProperty("text").GetString());
        Assert.Equal(14, post.GetProperty("request").GetProperty("bodySize").GetInt32());
        var trailer = post.GetProperty("response").GetProperty("headers").EnumerateArray().Last();
        Assert.Equal(("x-audit", "done", "trailer"), (trailer.GetProperty("name").GetString(), trailer.GetProperty("value").GetString(), trailer.GetProperty("comment").GetString()));
        Assert.True(post.GetProperty("timings").GetProperty("wait").GetDouble() > 0);

        // Our own reader takes the entries back, stream id included (what replay reads).
        Assert.Equal([1, 3], read.Entries.Select(e => e.Stream));
        Assert.All(read.Entries, e => Assert.Equal("http/2.0", e.Request.HttpVersion));
    }

    [Fact]
    public void A_grpc_call_gets_grpc_with_service_method_messages_and_status_and_json_given_descriptors()
    {
        byte[] item = ItemMessage(id: 42, title: "pen");
        byte[] body = GrpcFraming.Join([new GrpcMessage(false, item)]);
        var s = new Http2RoutingTests.H2Script()
            .Request(1, "POST", "/shop.v1.Catalog/Get", endStream: false, ("content-type", "application/grpc"), ("te", "trailers"))
            .ClientData(1, body)
            .Response(1, 200, extra: ("content-type", "application/grpc"))
            .ServerData(1, body, endStream: false)
            .Trailers(1, ("grpc-status", "0"))
            .Request(3, "POST", "/shop.v1.Catalog/Get", endStream: false, ("content-type", "application/grpc+proto"))
            .ClientData(3, body)
            .Response(3, 200, endStream: true, ("content-type", "application/grpc"), ("grpc-status", "5"), ("grpc-message", "no%20item"))
            .Close();

        var (plain, _, _) = Convert(s);
        var (withJson, _, _) = Convert(s, new HarConversionOptions { Protobuf = ProtobufJson.Load(Grpc.ProtobufJsonTests.DescriptorSet()) });

        var ok = plain.GetProperty("entries")[0].GetProperty("_grpc");
        Assert.Equal(("shop.v1.Catalog", "Get", 0), (ok.GetProperty("service").GetString(), ok.GetProperty("method").GetString(), ok.GetProperty("status").GetInt32()));
        var sentMessage = Assert.Single(ok.GetProperty("requestMessages").EnumerateArray());
        Assert.False(sentMessage.GetProperty("compressed").GetBoolean());
        Assert.Equal(item, System.Convert.FromBase64String(sentMessage.GetProperty("data").GetString()!));
        Assert.False(sentMessage.TryGetProperty("json", out _));
        Assert.Single(ok.GetProperty("responseMessages").EnumerateArray());

        var failed = plain.GetProperty("entries")[1].GetProperty("_grpc");
        Assert.Equal((5, "no item"), (failed.GetProperty("status").GetInt32(), failed.GetProperty("message").GetString()));
        Assert.Empty(failed.GetProperty("responseMessages").EnumerateArray());

        var json = withJson.GetProperty("entries")[0].GetProperty("_grpc").GetProperty("requestMessages")[0].GetProperty("json");
        Assert.Equal("42", json.GetProperty("id").GetString());
        Assert.Equal("pen", json.GetProperty("title").GetString());
    }

    [Fact]
    public void An_exchange_whose_hpack_state_is_unknown_says_so_and_a_reset_stream_says_who_reset_it()
    {
        var s = new Http2RoutingTests.H2Script(source: Format.Records.ConnectionSource.AlreadyOpen, preface: false);
        var before = new System.Buffers.ArrayBufferWriter<byte>();
        s.ClientEncoder.WriteHeaders([("x-tenant", "blue")], before); // inserted before recording began
        s.Request(1, "GET", "/joined", extra: ("x-tenant", "blue"))
            .Response(1, 200, endStream: true)
            .Request(3, "GET", "/cancelled")
            .FromClient(o => Http2FrameWriter.WriteRstStream(o, 3, 0x8))
            .Close();

        var (log, _, summary) = Convert(s);

        Assert.True(summary is { Written: 2, Failed: 0, SkippedNoRequest: 0 }, summary.ToString());
        var entries = log.GetProperty("entries").EnumerateArray().ToList();
        Assert.True(entries[0].TryGetProperty("_hpackIncomplete", out var hpack) && hpack.GetBoolean(), entries[0].GetRawText());
        Assert.True(entries[0].GetProperty("_incomplete").GetBoolean());
        Assert.Equal("CANCEL by client", entries[1].GetProperty("_streamReset").GetString());
        Assert.False(entries[1].TryGetProperty("_hpackIncomplete", out _));
    }

    /// <summary>shop.v1.Item { id = 1 (int64), title = 2 (string) } in protobuf wire format.</summary>
    private static byte[] ItemMessage(long id, string title)
    {
        byte[] text = Encoding.UTF8.GetBytes(title);
        var bytes = new List<byte> { 0x08 };
        for (ulong v = (ulong)id; ; v >>= 7)
        {
            if (v < 0x80) { bytes.Add((byte)v); break; }
            bytes.Add((byte)(v | 0x80));
        }
        bytes.Add(0x12);
        bytes.Add((byte)text.Length);
        bytes.AddRange(text);
        return bytes.ToArray();
    }
}
