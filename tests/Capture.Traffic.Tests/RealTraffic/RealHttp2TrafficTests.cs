using System.Diagnostics;
using System.Net;
using System.Text;
using Capture.Traffic.Grpc;
using Capture.Traffic.Http2;
using Capture.Traffic.Tests.Http2;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.Core;
using Grpc.Net.Client;

namespace Capture.Traffic.Tests.RealTraffic;

/// <summary>
/// Real HTTP/2 on 127.0.0.1: Kestrel (h2c) answering HttpClient, curl and a gRPC client through a
/// relay that records both directions; the recorded bytes must decode into exactly what was exchanged.
/// </summary>
public sealed class RealHttp2TrafficTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static HttpClient H2cClient(int port) => new()
    {
        BaseAddress = new Uri($"http://127.0.0.1:{port}"),
        DefaultRequestVersion = HttpVersion.Version20,
        DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
    };

    private static async Task<RecordedConnection> SingleConnection(RecordingRelay relay)
    {
        var connection = Assert.Single(relay.Connections);
        await connection.Closed.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        return connection;
    }

    [Fact]
    public async Task HttpClient_exchanges_decode_exactly_including_large_bodies_trailers_and_concurrent_streams()
    {
        await using var server = await H2cServer.StartAsync();
        await using var relay = new RecordingRelay(server.Port);
        byte[] upload = H2cServer.BigBody(300_000).Reverse().ToArray();
        var sizes = Enumerable.Range(0, 40).Select(i => 1000 + i * 3001).ToArray();
        using (var client = H2cClient(relay.Port))
        {
            Assert.Equal("hello over h2", await client.GetStringAsync("/hello", Ct));
            using (var echo = await client.PostAsync("/echo", new ByteArrayContent(upload), Ct))
                Assert.Equal(upload, await echo.Content.ReadAsByteArrayAsync(Ct));
            Assert.Equal(2_000_000, (await client.GetByteArrayAsync("/big/2000000", Ct)).Length);
            using (var trailers = await client.GetAsync("/trailers", Ct))
            {
                await trailers.Content.ReadAsStringAsync(Ct);
                Assert.Equal("c0ffee", trailers.TrailingHeaders.GetValues("x-checksum").Single());
            }
            Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/status/404", Ct)).StatusCode);
            var concurrent = await Task.WhenAll(sizes.Select(n => client.GetByteArrayAsync($"/big/{n}", Ct)));
            Assert.Equal(sizes, concurrent.Select(b => b.Length));
        }
        var recorded = await SingleConnection(relay);
        var exchanges = recorded.Decode();

        Assert.Equal(5 + sizes.Length, exchanges.Count);
        Assert.All(exchanges, e => Assert.False(e.Incomplete, e.ToString()));
        Assert.All(exchanges, e => Assert.True(e.Request.Ended && e.Response.Ended, e.ToString()));
        var byPath = exchanges.ToDictionary(e => e.Request.Path!);

        var hello = byPath["/hello"];
        Assert.Equal([":method", ":scheme", ":authority", ":path"], hello.Request.Headers.Take(4).Select(h => h.Name));
        Assert.Equal(("GET", "http", $"127.0.0.1:{relay.Port}"), (hello.Request.Method, hello.Request.Scheme, hello.Request.Authority));
        Assert.Equal(200, hello.Response.Status);
        Assert.Equal("hello over h2", Encoding.UTF8.GetString(hello.Response.Body.Span));
        Assert.Equal("Kestrel", hello.Response.GetHeader("server"));
        Assert.True(hello.Request.FirstByteNs <= hello.Request.LastByteNs && hello.Request.LastByteNs <= hello.Response.FirstByteNs);

        var echoed = byPath["/echo"];
        Assert.Equal("POST", echoed.Request.Method);
        Assert.Equal(upload, echoed.Request.Body.ToArray());
        Assert.Equal(upload, echoed.Response.Body.ToArray());

        Assert.Equal(H2cServer.BigBody(2_000_000), byPath["/big/2000000"].Response.Body.ToArray());
        Assert.Equal("c0ffee", byPath["/trailers"].Response.GetTrailer("x-checksum"));
        Assert.Equal("body before trailers", Encoding.UTF8.GetString(byPath["/trailers"].Response.Body.Span));
        Assert.Equal(404, byPath["/status/404"].Response.Status);
        foreach (int n in sizes)
            Assert.Equal(H2cServer.BigBody(n), byPath[$"/big/{n}"].Response.Body.ToArray());
        // The streams of one connection: odd ids, in the order the requests started.
        Assert.Equal(exchanges.OrderBy(e => e.StreamId).Select(e => e.StreamId), exchanges.OrderBy(e => e.IndexOnConnection).Select(e => e.StreamId));
        Assert.All(exchanges, e => Assert.Equal(1, e.StreamId % 2));

        // However the bytes were chunked, the decoding is the same.
        string whole = Conversation.Describe(exchanges);
        for (int seed = 0; seed < 3; seed++)
            Assert.Equal(whole, Conversation.Describe(recorded.Decode(new Random(seed))));
    }

    [Fact]
    public async Task A_connection_recorded_from_the_middle_decodes_what_it_can_and_never_a_wrong_header()
    {
        await using var server = await H2cServer.StartAsync();
        await using var relay = new RecordingRelay(server.Port);
        using (var client = H2cClient(relay.Port))
        {
            for (int n = 0; n < 60; n++)
                Assert.Equal($"item {n}", await client.GetStringAsync($"/tag/{n}", Ct));
        }
        var recorded = await SingleConnection(relay);
        var full = recorded.Decode().ToDictionary(e => e.StreamId);
        Assert.Equal(60, full.Count);

        // Recording "starts" at a syscall boundary in the middle: the server's HPACK table is warm by then.
        var chunks = recorded.Snapshot();
        var joined = new List<Http2Exchange>();
        using (var connection = new Http2Connection(joined.Add, joinedMidStream: true))
        {
            foreach (var (direction, bytes, ns) in chunks.Skip(chunks.Length / 2))
                connection.OnData(direction, bytes, ns);
            connection.OnEnd(ulong.MaxValue);
        }

        var decoded = joined.Where(e => !e.Request.HeadersLost && !e.Response.HeadersLost).ToList();
        Assert.True(decoded.Count >= 20, $"{decoded.Count} exchanges decoded after the join");
        foreach (var exchange in decoded)
        {
            var truth = full[exchange.StreamId];
            Assert.Equal(truth.Request.Path, exchange.Request.Path);
            Assert.Equal(truth.Response.Body.ToArray(), exchange.Response.Body.ToArray());
            // Known header fields are exactly the true ones, in order; unknown ones are only marked.
            var known = exchange.Response.Headers.Select(h => (h.Name, h.Value)).ToList();
            var expected = truth.Response.Headers.Select(h => (h.Name, h.Value)).ToList();
            if (exchange.Response.HpackIncomplete)
                Assert.Equal(expected.Count, known.Count + exchange.Response.UnknownHeaders.Count);
            else
                Assert.Equal(expected, known);
            Assert.All(known, field => Assert.Contains(field, expected));
        }
        // Kestrel refers to x-tag and x-shard entries inserted before the join: those are marked, not guessed.
        Assert.Contains(decoded, e => e.Response.HpackIncomplete);
    }

    [Fact]
    public async Task Curl_with_prior_knowledge_decodes_exactly()
    {
        string curl = Tools.Require("curl");
        await using var server = await H2cServer.StartAsync();
        await using var relay = new RecordingRelay(server.Port);
        string upload = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(upload, "field=value&other=" + new string('x', 50_000), Ct);
            string url = $"http://127.0.0.1:{relay.Port}";
            // One connection per curl: curl 7.88 fails ("Error in the HTTP2 framing layer") when it reuses a
            // prior-knowledge connection for a second URL, so each request is its own run.
            string[][] runs =
            [
                [$"{url}/hello"],
                [$"{url}/big/500000"],
                ["--data-binary", $"@{upload}", "-H", "content-type: application/x-www-form-urlencoded", $"{url}/echo"],
            ];
            foreach (string[] run in runs)
            {
                var (exit, output) = await Tools.RunAsync(curl, ["-sS", "--http2-prior-knowledge", "-o", "/dev/null", .. run]);
                Assert.True(exit == 0, output);
                await relay.Connections[^1].Closed.WaitAsync(TimeSpan.FromSeconds(30), Ct);
            }
        }
        finally
        {
            File.Delete(upload);
        }
        Assert.Equal(3, relay.Connections.Count);
        var exchanges = relay.Connections.Select(c => Assert.Single(c.Decode())).ToList();

        Assert.Equal(["/hello", "/big/500000", "/echo"], exchanges.Select(e => e.Request.Path));
        Assert.All(exchanges, e => Assert.Equal(1, e.StreamId));
        Assert.All(exchanges, e => Assert.False(e.Incomplete));
        var hello = exchanges.Single(e => e.Request.Path == "/hello");
        Assert.StartsWith("curl/", hello.Request.GetHeader("user-agent"));
        Assert.Equal("hello over h2", Encoding.UTF8.GetString(hello.Response.Body.Span));
        Assert.Equal(H2cServer.BigBody(500_000), exchanges.Single(e => e.Request.Path == "/big/500000").Response.Body.ToArray());
        var echo = exchanges.Single(e => e.Request.Path == "/echo");
        Assert.Equal("POST", echo.Request.Method);
        Assert.Equal(50_018, echo.Request.Body.Length);
        Assert.Equal(echo.Request.Body.ToArray(), echo.Response.Body.ToArray());
    }

    [Fact]
    public async Task Grpc_calls_decode_into_messages_and_statuses()
    {
        await using var server = await H2cServer.StartAsync();
        await using var relay = new RecordingRelay(server.Port);
        using (var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{relay.Port}"))
        {
            var invoker = channel.CreateCallInvoker();
            byte[] reply = await invoker.AsyncUnaryCall(EchoGrpcService.SayMethod, null, new CallOptions(cancellationToken: Ct), [1, 2, 3, 4]);
            Assert.Equal([4, 3, 2, 1], reply);
            using (var stream = invoker.AsyncServerStreamingCall(EchoGrpcService.CountMethod, null, new CallOptions(cancellationToken: Ct), [5]))
            {
                int received = 0;
                while (await stream.ResponseStream.MoveNext(Ct))
                    received++;
                Assert.Equal(5, received);
            }
            var failure = await Assert.ThrowsAsync<RpcException>(async () =>
                await invoker.AsyncUnaryCall(EchoGrpcService.FailMethod, null, new CallOptions(cancellationToken: Ct), [9]));
            Assert.Equal(StatusCode.NotFound, failure.StatusCode);
        }
        var recorded = await SingleConnection(relay);
        var calls = recorded.Decode().OrderBy(e => e.StreamId).Select(e => GrpcCall.From(e)!).ToList();

        Assert.Equal([("test.echo.v1.Echo", "Say"), ("test.echo.v1.Echo", "Count"), ("test.echo.v1.Echo", "Fail")],
            calls.Select(c => (c.Service, c.Method)));
        var say = calls[0];
        Assert.Equal([1, 2, 3, 4], Assert.Single(say.RequestMessages).Data.ToArray());
        Assert.Equal([4, 3, 2, 1], Assert.Single(say.ResponseMessages).Data.ToArray());
        Assert.Equal(0, say.Status);
        var count = calls[1];
        Assert.Equal(Enumerable.Range(0, 5).Select(i => Enumerable.Repeat((byte)i, i + 1).ToArray()), count.ResponseMessages.Select(m => m.Data.ToArray()));
        Assert.All(count.ResponseMessages, m => Assert.False(m.Compressed));
        Assert.Equal(0, count.Status);
        var fail = calls[2];
        Assert.Equal(5, fail.Status);
        Assert.Equal("no item 42 (é)", fail.StatusMessage);
        Assert.Empty(fail.ResponseMessages);
        Assert.All(calls, c => Assert.Null(c.RequestFramingError ?? c.ResponseFramingError));
    }

    [Fact]
    public async Task Grpc_messages_show_as_json_given_a_descriptor_set()
    {
        await using var server = await H2cServer.StartAsync();
        await using var relay = new RecordingRelay(server.Port);
        var sent = FileDescriptorProto.Parser.ParseFrom(Google.Protobuf.WellKnownTypes.TimestampReflection.Descriptor.SerializedData);
        using (var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{relay.Port}"))
            await channel.CreateCallInvoker().AsyncUnaryCall(CatalogGrpcServiceBase.SameMethod, null, new CallOptions(cancellationToken: Ct), sent.ToByteArray());
        var recorded = await SingleConnection(relay);
        var call = GrpcCall.From(Assert.Single(recorded.Decode()))!;

        var json = ProtobufJson.Load(Grpc.ProtobufJsonTests.DescriptorSet());
        var (requests, responses) = json.Decode(call)!.Value;
        Assert.Equal(sent, JsonParser.Default.Parse<FileDescriptorProto>(Assert.Single(requests)));
        Assert.Equal(sent, JsonParser.Default.Parse<FileDescriptorProto>(Assert.Single(responses)));
        Assert.Contains("\"name\":\"google/protobuf/timestamp.proto\"", requests[0]);
    }
}

/// <summary>Real command-line tools: skipped when missing, unless CAPTURE_REQUIRE_TOOLS=1 makes that a failure.</summary>
internal static class Tools
{
    public static string Require(string name)
    {
        string? path = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);
        if (path is not null)
            return path;
        string reason = $"{name} is not installed.";
        if (Environment.GetEnvironmentVariable("CAPTURE_REQUIRE_TOOLS") == "1")
            Assert.Fail(reason + " CAPTURE_REQUIRE_TOOLS=1 makes this a failure.");
        Assert.Skip(reason + " (set CAPTURE_REQUIRE_TOOLS=1 to make this a failure)");
        return "";
    }

    public static async Task<(int Exit, string Output)> RunAsync(string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in arguments)
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        return (process.ExitCode, await stdout + await stderr);
    }
}
