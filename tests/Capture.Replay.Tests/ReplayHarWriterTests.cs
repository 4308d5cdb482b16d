using System.IO.Compression;
using Capture.Replay.Input;
using Capture.Replay.Reporting;
using Capture.Replay.Tests.Support;
using Microsoft.AspNetCore.Http;

namespace Capture.Replay.Tests;

public class ReplayHarWriterTests
{
    [Fact]
    public async Task Replayed_exchanges_are_written_as_har_that_reads_back()
    {
        await using var server = await KestrelTarget.StartAsync(async ctx =>
        {
            if (ctx.Request.Path == "/drop")
            {
                ctx.Abort();
                return;
            }
            ctx.Response.Headers.ContentEncoding = "gzip";
            var gz = new MemoryStream();
            using (var z = new GZipStream(gz, CompressionLevel.Fastest, leaveOpen: true))
                await ctx.Request.Body.CopyToAsync(z);
            await ctx.Response.Body.WriteAsync(gz.ToArray());
        });
        var plan = new HarBuilder()
            .Add("POST", "http://prod/echo?x=1", body: "posted body"u8.ToArray(), headers: [("Content-Type", "text/plain"), ("X-Trace", "t1")])
            .Add("POST", "http://prod/drop", atMs: 5)
            .ToPlan();
        var options = TestReplay.Options(server.BaseUri) with { KeepExchanges = true, Concurrency = 1 };
        var report = await TestReplay.RunAsync(plan, options);

        var har = new MemoryStream();
        ReplayHarWriter.Write(report, options, har);
        har.Position = 0;
        var back = HarPlanReader.Read(har, "replay.har");

        Assert.Equal(2, back.Requests.Count);
        var echo = back.Requests.Single(r => r.PathAndQuery == "/echo?x=1");
        Assert.StartsWith(server.BaseUri.ToString().TrimEnd('/'), echo.Url);
        Assert.Equal("posted body"u8.ToArray(), echo.Body);
        Assert.Contains(echo.Headers, h => h.Name == "X-Trace" && h.Value == "t1");
        Assert.Contains(echo.Headers, h => h.Name == "Host" && h.Value == server.BaseUri.Authority);
        Assert.Equal(200, echo.Response.Status);
        Assert.Equal("posted body"u8.ToArray(), echo.Response.Body); // stored decoded, as HAR wants
        var dropped = back.Requests.Single(r => r.PathAndQuery == "/drop");
        Assert.True(dropped.Incomplete); // no answer: status 0 and marked incomplete
    }
}
