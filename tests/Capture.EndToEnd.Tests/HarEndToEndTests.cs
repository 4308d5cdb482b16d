using System.Globalization;
using System.IO.Compression;
using System.Net.Sockets;
using System.Text;
using Capture.EndToEnd.Tests.Cli;
using Capture.EndToEnd.Tests.Infrastructure;
using Capture.Traffic.Har;
using Capture.Traffic.Tests.Har;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Capture.EndToEnd.Tests;

/// <summary>
/// Real traffic (Kestrel server, curl and a raw socket client) recorded by `capture record`, converted by
/// `capture har` as a user would, validated by the har-validator npm package, and compared field by field
/// with what the clients sent and received.
/// </summary>
public class HarEndToEndTests
{
    private const string Json = "{\"orders\":[{\"id\":1,\"item\":\"caf\u00e9\",\"qty\":2},{\"id\":2,\"item\":\"th\u00e9\",\"qty\":1}],\"total\":3}";
    private static readonly byte[] Binary = Enumerable.Range(0, 1024).Select(i => (byte)(i % 256)).ToArray();
    private const int BigSize = 5 * 1024 * 1024;

    private static Task<KestrelServer> StartServer() => KestrelServer.StartAsync(app =>
    {
        app.MapGet("/chunked", async (HttpContext ctx) =>
        {
            ctx.Response.ContentType = "text/plain";
            for (int i = 0; i < 5; i++)
            {
                await ctx.Response.WriteAsync($"part {i}\n");
                await ctx.Response.Body.FlushAsync();
            }
        });
        app.MapGet("/gzip", async (HttpContext ctx) =>
        {
            byte[] gz = Gzip(Json);
            ctx.Response.ContentType = "application/json";
            ctx.Response.Headers.ContentEncoding = "gzip";
            ctx.Response.ContentLength = gz.Length;
            await ctx.Response.Body.WriteAsync(gz);
        });
        app.MapMethods("/binary", ["GET", "HEAD"], async (HttpContext ctx) =>
        {
            ctx.Response.ContentType = "application/octet-stream";
            ctx.Response.ContentLength = Binary.Length;
            if (!HttpMethods.IsHead(ctx.Request.Method))
                await ctx.Response.Body.WriteAsync(Binary);
        });
        app.MapGet("/big", async (HttpContext ctx) =>
        {
            ctx.Response.ContentType = "application/octet-stream";
            ctx.Response.ContentLength = BigSize;
            await ctx.Response.Body.WriteAsync(PythonHttpServer.Pattern(BigSize));
        });
        app.MapGet("/nothing", () => Results.NoContent());
        app.MapGet("/etag", (HttpContext ctx) =>
        {
            ctx.Response.Headers.ETag = "\"v1\"";
            return ctx.Request.Headers.IfNoneMatch == "\"v1\"" ? Results.StatusCode(304) : Results.Text("fresh");
        });
        app.MapGet("/p/{name}", (string name) => Results.Text($"pipelined {name}"));
        app.MapPost("/echo", async (HttpRequest request) =>
        {
            using var body = new MemoryStream();
            await request.Body.CopyToAsync(body);
            return Results.Text(Encoding.UTF8.GetString(body.ToArray()), "text/plain");
        });
    });

    [Fact]
    public async Task Curl_exchanges_of_every_kind_come_out_field_for_field()
    {
        BpfRequirement.Ensure();
        var ct = TestContext.Current.CancellationToken;
        await using var server = await StartServer();
        using var scratch = new ScratchDirectory();
        string port = server.Port.ToString(CultureInfo.InvariantCulture);
        string Url(string path) => new Uri(server.BaseAddress, path).ToString();
        string uploadText = string.Concat(Enumerable.Repeat("upload line\n", 200));
        await File.WriteAllTextAsync(scratch.File("upload.txt"), uploadText, ct);

        using var recording = await RecordingSession.StartAsync("--port", port);
        var chunked = await Curl.RunAsync("-D", scratch.File("chunked.h"), Url("chunked"));
        var gzip = await Curl.RunAsync("-D", scratch.File("gzip.h"), Url("gzip"));
        var binary = await Curl.RunAsync("-D", scratch.File("binary.h"), Url("binary"));
        var big = await Curl.RunAsync("-D", scratch.File("big.h"), Url("big"));
        var head = await Curl.RunAsync("-I", Url("binary"));
        var noContent = await Curl.RunAsync("-D", scratch.File("nothing.h"), Url("nothing"));
        var notModified = await Curl.RunAsync("-D", scratch.File("etag.h"), "-H", "If-None-Match: \"v1\"", Url("etag"));
        var expect = await Curl.RunAsync("-D", scratch.File("expect.h"), "-H", "Expect: 100-continue", "-H", "Content-Type: text/plain",
            "--data-binary", "@" + scratch.File("upload.txt"), Url("echo"));
        var keepAlive = await Curl.RunAsync(Url("etag"), Url("chunked"));
        await recording.StopAsync();

        string harPath = scratch.File("w.har");
        var convert = await CaptureCli.RunAsync("har", recording.CapturePath, "-o", harPath);
        Assert.True(convert.ExitCode == 0, convert.Stderr);
        HarValidatorTool.AssertValid(harPath);
        var entries = HarReader.Read(harPath).Entries;
        Assert.Equal(10, entries.Count);
        Assert.True(entries.Zip(entries.Skip(1)).All(p => p.First.StartedDateTime <= p.Second.StartedDateTime));
        Assert.All(entries, e =>
        {
            Assert.False(e.Incomplete);
            Assert.False(e.Malformed);
            Assert.False(e.Truncated);
            Assert.Equal("127.0.0.1", e.ServerIPAddress);
            // Both ends were traced; the client's view is the one kept, the server named as its peer.
            Assert.Equal("curl", e.Process);
            Assert.Equal(Environment.ProcessId, e.PeerPid);
        });

        HarEntry Single(Curl.Result run, string method, string path) =>
            Assert.Single(entries, e => e.Pid == run.Pid && e.Request.Method == method && new Uri(e.Request.Url).AbsolutePath == path);

        var c = Single(chunked, "GET", "/chunked");
        Assert.Equal(Url("chunked"), c.Request.Url);
        Assert.Equal(RequestHeaders(Curl.ExpectedGet(new Uri(Url("chunked")))), c.Request.Headers);
        Assert.Equal(Curl.ExpectedGet(new Uri(Url("chunked"))).Length, c.Request.HeadersSize);
        AssertResponseHeaders(scratch.File("chunked.h"), c);
        Assert.Contains(c.Response.Headers, h => h.Name == "Transfer-Encoding" && h.Value == "chunked");
        Assert.Equal(Encoding.ASCII.GetString(chunked.Stdout), c.Response.Content.Text);
        Assert.Equal(chunked.Stdout.Length, c.Response.BodySize);

        var g = Single(gzip, "GET", "/gzip");
        AssertResponseHeaders(scratch.File("gzip.h"), g);
        Assert.Equal(Json, g.Response.Content.Text);
        Assert.Equal(gzip.Stdout.Length, g.Response.BodySize);
        Assert.Equal(Encoding.UTF8.GetByteCount(Json), g.Response.Content.Size);
        Assert.Equal(Encoding.UTF8.GetByteCount(Json) - gzip.Stdout.Length, g.Response.Content.Compression);

        var b = Single(binary, "GET", "/binary");
        Assert.Equal("base64", b.Response.Content.Encoding);
        Assert.Equal(binary.Stdout, Convert.FromBase64String(b.Response.Content.Text!));

        var large = Single(big, "GET", "/big");
        AssertResponseHeaders(scratch.File("big.h"), large);
        Assert.Equal(BigSize, large.Response.Content.Size);
        Assert.Equal(big.Stdout, BodyText.ToBytes(large.Response.Content.Text, large.Response.Content.Encoding));
        Assert.True(large.Timings.Receive >= 0 && large.Time >= large.Timings.Receive);

        var h = Single(head, "HEAD", "/binary");
        Assert.Equal(200, h.Response.Status);
        Assert.Equal(0, h.Response.Content.Size);
        Assert.Equal(0, h.Response.BodySize);
        Assert.Contains(h.Response.Headers, x => x.Name == "Content-Length" && x.Value == Binary.Length.ToString(CultureInfo.InvariantCulture));
        Assert.Equal(HeadersOf(Encoding.ASCII.GetString(head.Stdout)), h.Response.Headers);

        var n = Single(noContent, "GET", "/nothing");
        Assert.Equal(204, n.Response.Status);
        AssertResponseHeaders(scratch.File("nothing.h"), n);
        Assert.Equal(0, n.Response.Content.Size);

        var nm = Single(notModified, "GET", "/etag");
        Assert.Equal(304, nm.Response.Status);
        Assert.Contains(nm.Request.Headers, x => x.Name == "If-None-Match" && x.Value == "\"v1\"");
        AssertResponseHeaders(scratch.File("etag.h"), nm);

        var e100 = Single(expect, "POST", "/echo");
        Assert.Contains(e100.Request.Headers, x => x.Name == "Expect" && x.Value == "100-continue");
        Assert.Equal(uploadText, e100.Request.PostData!.Text);
        Assert.Equal("text/plain", e100.Request.PostData.MimeType);
        Assert.Equal(uploadText.Length, e100.Request.BodySize);
        Assert.Equal(200, e100.Response.Status);
        Assert.Equal(uploadText, e100.Response.Content.Text);
        Assert.Equal(Encoding.ASCII.GetString(expect.Stdout), e100.Response.Content.Text);
        AssertResponseHeaders(scratch.File("expect.h"), e100);

        // Two URLs on one curl command line reuse one connection: two entries, one connection id.
        var reused = entries.Where(e => e.Pid == keepAlive.Pid).ToList();
        Assert.Equal(["/etag", "/chunked"], reused.Select(e => new Uri(e.Request.Url).AbsolutePath));
        Assert.Single(reused.Select(e => e.ConnectionId).Distinct());
        Assert.Equal("fresh", reused[0].Response.Content.Text);
        Assert.Equal(Encoding.ASCII.GetString(keepAlive.Stdout), reused[0].Response.Content.Text + reused[1].Response.Content.Text);
    }

    [Fact]
    public async Task Two_requests_in_one_write_from_a_raw_socket_pair_with_their_responses_in_order()
    {
        BpfRequirement.Ensure();
        var ct = TestContext.Current.CancellationToken;
        await using var server = await StartServer();
        using var scratch = new ScratchDirectory();
        using var recording = await RecordingSession.StartAsync("--port", server.Port.ToString(CultureInfo.InvariantCulture));

        string host = server.BaseAddress.Authority;
        string first = $"GET /p/one HTTP/1.1\r\nHost: {host}\r\n\r\n";
        string second = $"GET /p/two?x=1 HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n";
        byte[] received;
        using (var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            await socket.ConnectAsync("127.0.0.1", server.Port, ct);
            int sent = await socket.SendAsync(Encoding.ASCII.GetBytes(first + second), SocketFlags.None, ct);
            Assert.Equal(first.Length + second.Length, sent);
            using var all = new MemoryStream();
            var buffer = new byte[4096];
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(30));
            int read;
            while ((read = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token)) > 0)
                all.Write(buffer, 0, read);
            received = all.ToArray();
        }
        await recording.StopAsync();

        string harPath = scratch.File("p.har");
        var convert = await CaptureCli.RunAsync("har", recording.CapturePath, "-o", harPath);
        Assert.True(convert.ExitCode == 0, convert.Stderr);
        HarValidatorTool.AssertValid(harPath);
        var entries = HarReader.Read(harPath).Entries;
        Assert.Equal(2, entries.Count);
        Assert.Equal([$"http://{host}/p/one", $"http://{host}/p/two?x=1"], entries.Select(e => e.Request.Url));
        Assert.Equal([first.Length, second.Length], entries.Select(e => (int)e.Request.HeadersSize));
        Assert.Equal(new HarNameValue("x", "1"), Assert.Single(entries[1].Request.QueryString));
        Assert.Equal(["pipelined one", "pipelined two"], entries.Select(e => e.Response.Content.Text));
        Assert.Single(entries.Select(e => e.ConnectionId).Distinct());
        Assert.All(entries, e => Assert.Equal(Environment.ProcessId, e.Pid));
        // Both requests left in one write, so they share the send timestamp; the first entry starts earlier,
        // at connect(), by its connect and blocked times. The responses follow in order.
        var setup = entries[0].Timings;
        Assert.True(setup.Connect > 0 && setup.Blocked >= 0, $"connect {setup.Connect}, blocked {setup.Blocked}");
        var firstRequestByte = entries[0].StartedDateTime.AddMilliseconds(setup.Connect + setup.Blocked);
        Assert.InRange((entries[1].StartedDateTime - firstRequestByte).Duration(), TimeSpan.Zero, TimeSpan.FromMicroseconds(3));
        string responses = Encoding.ASCII.GetString(received);
        Assert.Equal(2, responses.Split("HTTP/1.1 200 OK\r\n").Length - 1);
        Assert.EndsWith("pipelined two", responses);
        long responseHeads = entries.Sum(e => e.Response.HeadersSize);
        Assert.Equal(received.Length, responseHeads + entries.Sum(e => e.Response.BodySize));
    }

    [Fact]
    public async Task Bytes_cut_by_the_per_call_cap_show_as_gaps_never_as_spliced_bodies()
    {
        BpfRequirement.Ensure();
        await using var server = await StartServer();
        using var scratch = new ScratchDirectory();
        using var recording = await RecordingSession.StartAsync("--port", server.Port.ToString(CultureInfo.InvariantCulture), "--max-bytes-per-call", "4096");
        var big = await Curl.RunAsync(new Uri(server.BaseAddress, "big").ToString());
        var small = await Curl.RunAsync(new Uri(server.BaseAddress, "p/after").ToString());
        await recording.StopAsync();

        string harPath = scratch.File("cut.har");
        var convert = await CaptureCli.RunAsync("har", recording.CapturePath, "-o", harPath, "--json-summary");
        Assert.True(convert.ExitCode == 0, convert.Stderr);
        HarValidatorTool.AssertValid(harPath);
        var entries = HarReader.Read(harPath).Entries;
        Assert.Equal(2, entries.Count);

        var cut = entries[0];
        Assert.Equal(big.Pid, cut.Pid);
        Assert.True(cut.Incomplete);
        Assert.False(cut.Truncated);
        byte[] captured = BodyText.ToBytes(cut.Response.Content.Text, cut.Response.Content.Encoding);
        // Captured bytes plus the gap make exactly the body the client got; what was captured is the
        // body's own bytes in order, with the holes left out, never filled with anything.
        Assert.Equal(BigSize, captured.Length + cut.GapBytes);
        Assert.Equal(captured.Length, cut.Response.BodySize);
        Assert.True(cut.GapBytes > 0);
        Assert.Equal(big.Stdout, PythonHttpServer.Pattern(BigSize));
        // The pattern's byte k+1 is byte k plus 31 (mod 251): the recurrence breaks only where a hole
        // was left out, at most once per captured call of at most 4096 bytes.
        int breaks = 0;
        for (int k = 0; k + 1 < captured.Length; k++)
            if (captured[k + 1] != (captured[k] + 31) % 251)
                breaks++;
        Assert.InRange(breaks, 1, captured.Length / 4096 + 2);

        var after = entries[1];
        Assert.False(after.Incomplete);
        Assert.Equal("pipelined after", after.Response.Content.Text);
        Assert.Equal(Encoding.ASCII.GetString(small.Stdout), after.Response.Content.Text);
    }

    private static byte[] Gzip(string text)
    {
        using var m = new MemoryStream();
        using (var z = new GZipStream(m, CompressionLevel.Optimal))
            z.Write(Encoding.UTF8.GetBytes(text));
        return m.ToArray();
    }

    /// <summary>The response headers of the last head in a curl -D file (a 100 Continue head may come first), as HAR lists them.</summary>
    private static void AssertResponseHeaders(string curlHeadersFile, HarEntry entry)
    {
        string text = File.ReadAllText(curlHeadersFile, Encoding.Latin1);
        string[] heads = text.Split("\r\n\r\n", StringSplitOptions.RemoveEmptyEntries);
        string last = heads[^1];
        string statusLine = last[..last.IndexOf("\r\n", StringComparison.Ordinal)];
        Assert.Equal(statusLine, $"{entry.Response.HttpVersion} {entry.Response.Status} {entry.Response.StatusText}".TrimEnd());
        Assert.Equal(HeadersOf(last + "\r\n\r\n"), entry.Response.Headers);
        Assert.Equal(last.Length + 4, entry.Response.HeadersSize);
    }

    private static List<HarNameValue> RequestHeaders(string requestHead) => HeadersOf(requestHead);

    private static List<HarNameValue> HeadersOf(string head) =>
        head.Split("\r\n").Skip(1).TakeWhile(l => l.Length > 0)
            .Select(l => new HarNameValue(l[..l.IndexOf(':')], l[(l.IndexOf(':') + 1)..].Trim())).ToList();
}
