using System.Collections.Concurrent;
using Capture.Replay.Input;
using Capture.Replay.Tests.Support;

namespace Capture.Replay.Tests;

/// <summary>A HAR exported by Chrome (not by this project) replays against a local server.</summary>
public class BrowserFixtureTests
{
    [Fact]
    public async Task Chrome_export_replays_with_its_body_and_headers_but_no_pseudo_headers()
    {
        var seen = new ConcurrentQueue<(string Method, string Path, Dictionary<string, string> Headers, string Body)>();
        await using var server = await KestrelTarget.StartAsync(async ctx =>
        {
            string body = await new StreamReader(ctx.Request.Body).ReadToEndAsync();
            seen.Enqueue((ctx.Request.Method, ctx.Request.Path.Value!, ctx.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase), body));
            ctx.Response.ContentType = "application/json";
        });
        var plan = HarPlanReader.Load(Path.Combine(TestReplay.RepoRoot(), "fixtures", "browser", "chrome-postdata.har"));

        // Chrome recorded it over HTTP/2 ("http/2.0"); sent as HTTP/1.1 here, where a pseudo-header sent as a header would show.
        Assert.All(plan.Requests, r => Assert.Equal(new Version(2, 0), r.HttpVersion));
        var report = await TestReplay.RunAsync(plan, TestReplay.Options(server.BaseUri) with { Rewrites = new() { HttpVersion = Capture.Replay.Sending.HttpVersionChoice.Http11 } });

        var request = Assert.Single(seen);
        Assert.Equal("POST", request.Method);
        Assert.Equal("/events", request.Path);
        Assert.Equal(504, request.Body.Length);
        Assert.StartsWith("eyJjYXRlZ29yeSI6", request.Body);
        Assert.Equal("text/plain;charset=UTF-8", request.Headers["Content-Type"]);
        Assert.Equal("\"macOS\"", request.Headers["sec-ch-ua-platform"]);
        Assert.DoesNotContain(request.Headers.Keys, k => k.StartsWith(':'));
        Assert.Equal(1, report.Summary.NotCompared); // status 200 as recorded, the body was never recorded
        Assert.Equal(1, report.Summary.BodiesNotCompared["recording-incomplete"]); // Chrome: net::ERR_ABORTED
    }
}
