using System.Collections.Concurrent;
using Capture.Replay.Input;
using Capture.Replay.Sending;
using Capture.Replay.Tests.Support;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Capture.Replay.Tests;

/// <summary>What the target receives must be what production received, checked on the server side.</summary>
public class ReproductionTests
{
    sealed record Seen(string Method, string RawTarget, Dictionary<string, string> Headers, byte[] Body);

    static async Task<(KestrelTarget, ConcurrentQueue<Seen>)> RecordingServer()
    {
        var seen = new ConcurrentQueue<Seen>();
        var server = await KestrelTarget.StartAsync(async ctx =>
        {
            var body = new MemoryStream();
            await ctx.Request.Body.CopyToAsync(body);
            var headers = ctx.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
            seen.Enqueue(new Seen(ctx.Request.Method, ctx.Features.Get<IHttpRequestFeature>()!.RawTarget, headers, body.ToArray()));
            ctx.Response.StatusCode = 200;
        });
        return (server, seen);
    }

    [Fact]
    public async Task Method_path_query_headers_and_body_bytes_arrive_as_recorded()
    {
        var (server, seen) = await RecordingServer();
        await using var _ = server;
        byte[] body = [0x00, 0xff, 0x10, (byte)'a', 0x0d, 0x0a, 0x80];
        var plan = new HarBuilder()
            .Add("PATCH", "http://prod.internal:8443/api/./v1/items/7?q=a%20b&plus=+&empty=#frag", body: body, base64Body: true,
                headers: [("Host", "prod.internal:8443"), ("Content-Type", "application/octet-stream"), ("X-Trace", "abc 123"),
                          ("Cookie", "session=s1; theme=dark"), ("User-Agent", "recorded-agent/1.0"), ("Content-Length", "7"),
                          ("Connection", "keep-alive"), ("Accept-Encoding", "gzip")])
            .ToPlan();

        var report = await TestReplay.RunAsync(plan, TestReplay.Options(server.BaseUri));

        var request = Assert.Single(seen);
        Assert.Equal("PATCH", request.Method);
        Assert.Equal("/api/./v1/items/7?q=a%20b&plus=+&empty=", request.RawTarget);
        Assert.Equal(body, request.Body);
        Assert.Equal("application/octet-stream", request.Headers["Content-Type"]);
        Assert.Equal("abc 123", request.Headers["X-Trace"]);
        Assert.Equal("session=s1; theme=dark", request.Headers["Cookie"]);
        Assert.Equal("recorded-agent/1.0", request.Headers["User-Agent"]);
        Assert.Equal("gzip", request.Headers["Accept-Encoding"]);
        Assert.Equal("7", request.Headers["Content-Length"]);
        Assert.Equal(server.BaseUri.Authority, request.Headers["Host"]); // never the recorded host unless asked
        Assert.Equal(1, report.Summary.Total);
    }

    [Fact]
    public async Task Rewrites_set_and_drop_headers_and_keep_host()
    {
        var (server, seen) = await RecordingServer();
        await using var _ = server;
        var plan = new HarBuilder()
            .Add("GET", "http://prod:80/old/api/x?y=1", headers: [("Host", "prod"), ("Authorization", "Bearer prod-token"), ("X-Env", "prod"), ("X-Keep", "1")])
            .ToPlan();
        var options = TestReplay.Options(server.BaseUri) with
        {
            Rewrites = new RequestRewrites
            {
                PathPrefix = ("/old/", "/new/"),
                SetHeaders = [new HeaderField("X-Env", "staging"), new HeaderField("X-Added", "yes")],
                DropHeaders = ["authorization"],
                KeepHost = true,
            },
        };

        await TestReplay.RunAsync(plan, options);

        var request = Assert.Single(seen);
        Assert.Equal("/new/api/x?y=1", request.RawTarget);
        Assert.Equal("staging", request.Headers["X-Env"]);
        Assert.Equal("yes", request.Headers["X-Added"]);
        Assert.Equal("1", request.Headers["X-Keep"]);
        Assert.False(request.Headers.ContainsKey("Authorization"));
        Assert.Equal("prod", request.Headers["Host"]);
    }

    [Fact]
    public async Task Target_base_path_is_prepended()
    {
        var (server, seen) = await RecordingServer();
        await using var _ = server;
        var plan = new HarBuilder().Add("DELETE", "http://prod/items/9").ToPlan();
        await TestReplay.RunAsync(plan, TestReplay.Options(new Uri(server.BaseUri, "/staging/")));
        Assert.Equal("/staging/items/9", Assert.Single(seen).RawTarget);
        Assert.Equal("DELETE", Assert.Single(seen).Method);
    }
}
