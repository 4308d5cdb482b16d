using System.Collections.Concurrent;
using Capture.Cli;
using Capture.Replay.Input;
using Capture.Replay.Sending;
using Capture.Replay.Tests.Support;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Capture.Replay.Tests;

/// <summary>Entries recorded over HTTP/2 are replayed over HTTP/2 (h2c or ALPN h2), one replayed connection per recorded one.</summary>
[Collection(nameof(CliExitCodeTests))] // the verb writes to the process console: one at a time
public class Http2ReplayTests : IAsyncLifetime
{
    readonly string _dir = Directory.CreateTempSubdirectory("capture-replay-h2-").FullName;
    /// <summary>What the target saw of each request: path, protocol, connection.</summary>
    readonly ConcurrentQueue<(string Path, string Protocol, string Connection)> _seen = new();

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync()
    {
        Directory.Delete(_dir, recursive: true);
        return ValueTask.CompletedTask;
    }

    Task<KestrelTarget> Target(HttpProtocols? protocols = null, System.Security.Cryptography.X509Certificates.X509Certificate2? certificate = null, int delayMs = 0) =>
        KestrelTarget.StartAsync(async ctx =>
        {
            _seen.Enqueue((ctx.Request.Path.Value!, ctx.Request.Protocol, ctx.Connection.Id));
            if (delayMs > 0)
                await Task.Delay(delayMs);
            await ctx.Response.WriteAsync("ok");
        }, certificate, protocols);

    /// <summary>Six h2 entries of one recorded connection, in the spellings HAR writers use for HTTP/2.</summary>
    static HarBuilder H2Entries(string version = "h2")
    {
        var har = new HarBuilder();
        string[] spellings = version == "h2" ? ["h2", "HTTP/2", "HTTP/2.0", "http/2.0", "H2", "http/2"] : Enumerable.Repeat(version, 6).ToArray();
        for (int i = 0; i < spellings.Length; i++)
            har.Add("GET", $"https://prod/item/{i}", responseText: "ok", atMs: i, connection: "7", httpVersion: spellings[i], stream: 1 + 2 * i,
                headers: [(":method", "GET"), (":authority", "prod"), (":scheme", "https"), (":path", $"/item/{i}"), ("accept", "*/*")]);
        return har;
    }

    string Write(HarBuilder har)
    {
        string file = Path.Combine(_dir, $"{Guid.NewGuid():N}.har");
        File.WriteAllText(file, har.ToJson());
        return file;
    }

    [Theory]
    [InlineData("h2"), InlineData("HTTP/2"), InlineData("HTTP/2.0"), InlineData("http/2.0"), InlineData(" H2 ")]
    public void Http2_spellings_read_as_http2(string spelling) =>
        Assert.Equal(new Version(2, 0), RecordedHttpVersion.Parse(spelling));

    [Theory]
    [InlineData("HTTP/1.1", 1, 1), InlineData("HTTP/1.0", 1, 0), InlineData("", 1, 1), InlineData("h3", 1, 1)]
    public void Other_versions_read_as_http1(string spelling, int major, int minor) =>
        Assert.Equal(new Version(major, minor), RecordedHttpVersion.Parse(spelling));

    [Fact]
    public void Har_h2_entries_carry_version_and_stream_in_the_plan()
    {
        var plan = H2Entries().ToPlan();
        Assert.All(plan.Requests, r => Assert.Equal(new Version(2, 0), r.HttpVersion));
        Assert.Equal([1, 3, 5, 7, 9, 11], plan.Requests.Select(r => r.StreamId ?? 0));
        Assert.All(new HarBuilder().Add("GET", "http://prod/").ToPlan().Requests, r => Assert.Null(r.StreamId));
    }

    [Fact]
    public async Task H2_entries_replay_to_an_h2c_target_over_http2_and_exit_0()
    {
        await using var server = await Target(HttpProtocols.Http2); // h2c only: an HTTP/1.1 request would fail
        string harOut = Path.Combine(_dir, "replayed.har");
        int exit = CliExitCodeTests.Capture(Write(H2Entries()), "--target", server.BaseUri.ToString(), "--max", "--har-out", harOut);

        Assert.Equal(ExitCodes.Ok, exit);
        // The HAR of the replay says what went on the wire.
        var replayed = HarPlanReader.Load(harOut);
        Assert.Equal(6, replayed.Requests.Count);
        Assert.All(replayed.Requests, r => Assert.Equal(new Version(2, 0), r.HttpVersion));
        Assert.Equal(6, _seen.Count);
        Assert.All(_seen, s => Assert.Equal("HTTP/2", s.Protocol));
        Assert.Single(_seen.Select(s => s.Connection).Distinct()); // one recorded connection, one replayed one
    }

    [Fact]
    public async Task Http_version_1_1_forces_http11_and_recorded_h2_really_sends_h2()
    {
        await using var server = await Target(HttpProtocols.Http1); // HTTP/1.1 only
        string har = Write(H2Entries());

        Assert.Equal(ExitCodes.Ok, CliExitCodeTests.Capture(har, "--target", server.BaseUri.ToString(), "--max", "--http-version", "1.1"));
        Assert.Equal(6, _seen.Count);
        Assert.All(_seen, s => Assert.Equal("HTTP/1.1", s.Protocol));

        // As recorded (h2 with prior knowledge), an HTTP/1.1-only target cannot answer: the gate fails.
        Assert.Equal(ExitCodes.GateFailed, CliExitCodeTests.Capture(har, "--target", server.BaseUri.ToString(), "--max", "--retries", "0"));
    }

    [Fact]
    public async Task Http_version_2_forces_http2_for_http11_entries()
    {
        await using var server = await Target(HttpProtocols.Http2);
        Assert.Equal(ExitCodes.Ok, CliExitCodeTests.Capture(Write(H2Entries("HTTP/1.1")), "--target", server.BaseUri.ToString(), "--max", "--http-version", "2"));
        Assert.All(_seen, s => Assert.Equal("HTTP/2", s.Protocol));
        Assert.Equal(ExitCodes.Usage, CliExitCodeTests.Capture(Write(H2Entries()), "--target", server.BaseUri.ToString(), "--http-version", "3"));
    }

    [Fact]
    public async Task H2_entries_go_to_an_https_target_as_h2_by_alpn()
    {
        using var certificate = KestrelTarget.SelfSignedCertificate();
        await using var server = await Target(certificate: certificate); // HTTP/1.1 and HTTP/2, chosen by ALPN
        var plan = H2Entries().ToPlan();
        var options = TestReplay.Options(server.BaseUri) with { AllowInvalidCertificates = true };

        var report = await TestReplay.RunAsync(plan, options);
        Assert.Equal(6, report.Summary.Matched);
        Assert.All(_seen, s => Assert.Equal("HTTP/2", s.Protocol));

        _seen.Clear();
        report = await TestReplay.RunAsync(plan, options with { Rewrites = new RequestRewrites { HttpVersion = HttpVersionChoice.Http11 } });
        Assert.Equal(6, report.Summary.Matched);
        Assert.All(_seen, s => Assert.Equal("HTTP/1.1", s.Protocol));
    }

    [Theory]
    [InlineData(TimingMode.Max)]   // BackToBackDispatcher
    [InlineData(TimingMode.Speed)] // Dispatcher, at the recorded pace
    public async Task Streams_of_one_recorded_connection_share_one_connection_and_overlap(TimingMode timing)
    {
        int inFlight = 0, mostInFlight = 0;
        await using var server = await KestrelTarget.StartAsync(async ctx =>
        {
            _seen.Enqueue((ctx.Request.Path.Value!, ctx.Request.Protocol, ctx.Connection.Id));
            int now = Interlocked.Increment(ref inFlight);
            InterlockedMax(ref mostInFlight, now);
            await Task.Delay(300);
            Interlocked.Decrement(ref inFlight);
            await ctx.Response.WriteAsync("ok");
        }, protocols: HttpProtocols.Http2);
        // Two recorded connections of eight streams each, interleaved in time.
        var har = new HarBuilder();
        for (int i = 0; i < 16; i++)
        {
            string connection = i % 2 == 0 ? "a" : "b";
            har.Add("GET", $"http://prod/{connection}/{i / 2}", responseText: "ok", atMs: i, connection: connection, httpVersion: "h2", stream: 1 + 2 * (i / 2));
        }

        var report = await TestReplay.RunAsync(har.ToPlan(), TestReplay.Options(server.BaseUri) with { Concurrency = 32, Timing = timing });

        Assert.Equal(16, report.Summary.Matched);
        var byConnection = _seen.GroupBy(s => s.Connection).ToList();
        Assert.Equal(2, byConnection.Count);
        // Each replayed connection carried exactly one recorded connection's streams.
        Assert.All(byConnection, g => Assert.Single(g.Select(s => s.Path.Split('/')[1]).Distinct()));
        Assert.All(byConnection, g => Assert.Equal(8, g.Count()));
        // Streams overlapped as HTTP/2 allows, instead of waiting for each other as HTTP/1 requests of one connection do.
        Assert.True(mostInFlight > 2, $"at most {mostInFlight} request(s) were in flight at once");
    }

    [Fact]
    public async Task More_recorded_connections_than_concurrency_keep_at_most_that_many_open_and_lose_no_body()
    {
        byte[] body = Enumerable.Range(0, 256 * 1024).Select(i => (byte)(i * 31)).ToArray();
        var open = new ConcurrentDictionary<string, bool>();
        int mostOpen = 0;
        await using var server = await KestrelTarget.StartAsync(async ctx =>
        {
            string id = ctx.Connection.Id;
            if (open.TryAdd(id, true))
            {
                InterlockedMax(ref mostOpen, open.Count);
                ctx.Features.Get<Microsoft.AspNetCore.Connections.Features.IConnectionLifetimeFeature>()!.ConnectionClosed.Register(() => open.TryRemove(id, out _));
            }
            _seen.Enqueue((ctx.Request.Path.Value!, ctx.Request.Protocol, id));
            ctx.Response.ContentType = "application/octet-stream";
            // Half the body, a pause, the rest: the answer is still being read when other connections are opened.
            await ctx.Response.Body.WriteAsync(body.AsMemory(0, body.Length / 2));
            await ctx.Response.Body.FlushAsync();
            await Task.Delay(30);
            await ctx.Response.Body.WriteAsync(body.AsMemory(body.Length / 2));
        }, protocols: HttpProtocols.Http2);
        // 30 recorded connections of 3 streams each, replayed with 3 requests in flight at most.
        var har = new HarBuilder();
        for (int i = 0; i < 90; i++)
            har.Add("GET", $"http://prod/{i % 30}/{i / 30}", responseBody: body, mimeType: "application/octet-stream", atMs: i, connection: $"c{i % 30}", httpVersion: "h2", stream: 1 + 2 * (i / 30));

        var report = await TestReplay.RunAsync(har.ToPlan(), TestReplay.Options(server.BaseUri) with { Concurrency = 3 });

        Assert.Equal(90, report.Summary.Matched); // a connection closed to make room never cut a body short
        // Closed connections are seen by the server a moment later: allow that much, far below one per recorded connection.
        Assert.True(mostOpen <= 6, $"{mostOpen} connections were open at once");
    }

    [Fact]
    public async Task The_outgoing_request_check_still_applies_to_h2_entries()
    {
        await using var server = await Target(HttpProtocols.Http2);
        var plan = new HarBuilder()
            .Add("GET", "http://prod/fine", responseText: "ok", httpVersion: "h2", connection: "1", stream: 1, headers: [(":path", "/fine"), ("x-a", "1")])
            .Add("GET", "http://prod/bad", responseText: "ok", httpVersion: "h2", connection: "1", stream: 3, headers: [("x-bad", "a\r\nInjected: 1")])
            .ToPlan();

        var report = await TestReplay.RunAsync(plan, TestReplay.Options(server.BaseUri));
        Assert.Equal(1, report.Summary.Matched);
        Assert.Equal(1, report.Summary.Skipped);
        Assert.Equal("/fine", Assert.Single(_seen).Path);
    }

    static void InterlockedMax(ref int target, int value)
    {
        int current;
        while ((current = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }
}
