using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Capture.Replay.Sending;
using Capture.Replay.Tests.Support;
using Microsoft.AspNetCore.Http;

namespace Capture.Replay.Tests;

/// <summary>Failures of the target are results in a complete report, never a crash or a hang.</summary>
public class ResilienceTests
{
    /// <summary>A server that drops the connection on the first attempt at each path and answers after.</summary>
    static async Task<(KestrelTarget, ConcurrentDictionary<string, int>)> FlakyServer()
    {
        var attempts = new ConcurrentDictionary<string, int>();
        var server = await KestrelTarget.StartAsync(async ctx =>
        {
            int n = attempts.AddOrUpdate(ctx.Request.Path.Value!, 1, (_, v) => v + 1);
            if (n == 1)
            {
                ctx.Abort();
                return;
            }
            await ctx.Response.WriteAsync("ok");
        });
        return (server, attempts);
    }

    static Capture.Replay.Input.ReplayPlan MixedMethods() => new HarBuilder()
        .Add("GET", "http://prod/get", responseText: "ok")
        .Add("PUT", "http://prod/put", responseText: "ok")
        .Add("POST", "http://prod/post", responseText: "ok")
        .Add("PATCH", "http://prod/patch", responseText: "ok")
        .ToPlan();

    [Fact]
    public async Task Only_idempotent_methods_are_retried_by_default()
    {
        var (server, attempts) = await FlakyServer();
        await using var _ = server;

        var report = await TestReplay.RunAsync(MixedMethods(), TestReplay.Options(server.BaseUri));

        Assert.Equal(2, attempts["/get"]);
        Assert.Equal(2, attempts["/put"]);
        Assert.Equal(1, attempts["/post"]);
        Assert.Equal(1, attempts["/patch"]);
        Assert.Equal(2, report.Summary.Matched);
        Assert.Equal(2, report.Summary.Errors);
        Assert.All(report.Errors, e => Assert.Equal(ErrorKinds.ConnectionReset, e.Kind));
        Assert.Equal(["PATCH", "POST"], report.Errors.Select(e => e.Request.Method).Order());
    }

    [Fact]
    public async Task Retry_unsafe_retries_post_and_patch_too()
    {
        var (server, attempts) = await FlakyServer();
        await using var _ = server;
        var options = TestReplay.Options(server.BaseUri) with { Resilience = TestReplay.FastFailing with { RetryUnsafe = true } };

        var report = await TestReplay.RunAsync(MixedMethods(), options);

        Assert.Equal(2, attempts["/post"]);
        Assert.Equal(2, attempts["/patch"]);
        Assert.Equal(4, report.Summary.Matched);
        Assert.True(report.Summary.Retries >= 4);
    }

    [Fact]
    public async Task Timeouts_are_reported_per_request_and_the_run_finishes()
    {
        await using var server = await KestrelTarget.StartAsync(async ctx =>
        {
            if (ctx.Request.Path == "/slow")
                await Task.Delay(TimeSpan.FromSeconds(20), ctx.RequestAborted);
            await ctx.Response.WriteAsync("ok");
        });
        var plan = new HarBuilder()
            .Add("GET", "http://prod/slow", responseText: "ok")
            .Add("GET", "http://prod/fast", responseText: "ok")
            .ToPlan();
        var options = TestReplay.Options(server.BaseUri) with
        {
            Resilience = TestReplay.FastFailing with
            {
                AttemptTimeout = TimeSpan.FromMilliseconds(300), TotalTimeout = TimeSpan.FromSeconds(2), MaxRetries = 1,
            },
        };

        var report = await TestReplay.RunAsync(plan, options);

        Assert.Equal(2, report.Summary.Total);
        Assert.Equal(1, report.Summary.Matched);
        var error = Assert.Single(report.Errors);
        Assert.Equal(ErrorKinds.Timeout, error.Kind);
        Assert.Equal(2, error.Attempts); // GET is retried once after the attempt timeout
        Assert.Equal(1, report.Summary.ErrorKinds[ErrorKinds.Timeout]);
        Assert.False(report.Summary.Passed);
    }

    [Fact]
    public async Task A_target_that_resets_every_connection_yields_a_complete_report()
    {
        await using var server = await KestrelTarget.StartAsync(ctx => { ctx.Abort(); return Task.CompletedTask; });
        var har = new HarBuilder();
        for (int i = 0; i < 12; i++)
            har.Add(i % 2 == 0 ? "GET" : "POST", $"http://prod/x/{i}", responseText: "ok");

        var report = await TestReplay.RunAsync(har.ToPlan(), TestReplay.Options(server.BaseUri));

        Assert.Equal(12, report.Summary.Total);
        Assert.Equal(12, report.Summary.Errors);
        Assert.Equal(12, report.Errors.Count);
        // Resets until the breaker opens; what is left after it gives up is reported as circuit-open.
        Assert.All(report.Errors, e => Assert.Contains(e.Kind, new[] { ErrorKinds.ConnectionReset, ErrorKinds.CircuitOpen }));
        Assert.True(report.Summary.ErrorKinds[ErrorKinds.ConnectionReset] >= 1);
        Assert.Equal(100, report.Summary.MismatchPercent);
    }

    [Fact]
    public async Task A_dead_target_yields_a_complete_report_and_the_breaker_stops_sending()
    {
        int port = FreePort();
        var har = new HarBuilder();
        for (int i = 0; i < 200; i++)
            har.Add("GET", $"http://prod/d/{i}");
        var options = TestReplay.Options(new Uri($"http://127.0.0.1:{port}/")) with
        {
            Resilience = TestReplay.FastFailing with { MaxRetries = 1, BreakerMinimumThroughput = 10, BreakDuration = TimeSpan.FromMilliseconds(500), GiveUpAfterBreaks = 2 },
        };

        var report = await TestReplay.RunAsync(har.ToPlan(), options);

        Assert.Equal(200, report.Summary.Total);
        Assert.Equal(200, report.Summary.Errors);
        Assert.True(report.Summary.ErrorKinds.GetValueOrDefault(ErrorKinds.ConnectionRefused) > 0);
        Assert.True(report.Summary.ErrorKinds.GetValueOrDefault(ErrorKinds.CircuitOpen) > 0, "the breaker should stop sending to a dead target");
        Assert.True(report.Summary.CircuitBreaks >= 2);
    }

    [Fact]
    public async Task The_breaker_pauses_sending_while_the_target_is_down_and_resumes_when_it_recovers()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await using var server = await KestrelTarget.StartAsync(async ctx =>
        {
            if (clock.Elapsed < TimeSpan.FromMilliseconds(700))
            {
                ctx.Abort(); // down for the first 0.7 s
                return;
            }
            await ctx.Response.WriteAsync("ok");
        });
        var har = new HarBuilder();
        for (int i = 0; i < 60; i++)
            har.Add("GET", $"http://prod/p/{i}", responseText: "ok");
        var options = TestReplay.Options(server.BaseUri) with
        {
            Timing = TimingMode.Rate, Rate = 60, Concurrency = 8,
            Resilience = TestReplay.FastFailing with
            {
                MaxRetries = 0, BreakerMinimumThroughput = 5, BreakDuration = TimeSpan.FromMilliseconds(500), GiveUpAfterBreaks = 10,
            },
        };
        clock.Restart();

        var report = await TestReplay.RunAsync(har.ToPlan(), options);

        Assert.Equal(60, report.Summary.Total);
        Assert.True(report.Summary.CircuitBreaks >= 1);
        Assert.True(report.Summary.ErrorKinds.GetValueOrDefault(ErrorKinds.ConnectionReset) >= 1);
        Assert.False(report.Summary.ErrorKinds.ContainsKey(ErrorKinds.CircuitOpen)); // paused, never gave up
        Assert.True(report.Summary.Matched > 30, $"sending should resume after the break (matched {report.Summary.Matched})");
    }

    static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
