using System.Collections.Concurrent;
using Capture.Replay.Reporting;
using Capture.Replay.Sending;
using Capture.Replay.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace Capture.Replay.Tests;

/// <summary>Per-connection order with real answer times; speed factor, rate and duration exactly, on a fake clock.</summary>
public class OrderingAndTimingTests
{
    [Fact]
    public async Task Requests_of_one_recorded_connection_arrive_in_recorded_order()
    {
        var arrivals = new ConcurrentQueue<(string Connection, int Sequence)>();
        int inFlight = 0, maxInFlight = 0;
        await using var server = await KestrelTarget.StartAsync(async ctx =>
        {
            int now = Interlocked.Increment(ref inFlight);
            InterlockedMax(ref maxInFlight, now);
            var parts = ctx.Request.Path.Value!.Split('/'); // /c{conn}/{seq}
            arrivals.Enqueue((parts[1], int.Parse(parts[2])));
            // Random answer times: without ordering a later request of a connection could overtake.
            await Task.Delay(Random.Shared.Next(0, 12));
            Interlocked.Decrement(ref inFlight);
        });

        var har = new HarBuilder();
        for (int seq = 0; seq < 15; seq++)
            for (int c = 0; c < 4; c++)
                har.Add("GET", $"http://prod/c{c}/{seq}", connection: $"conn-{c}", atMs: seq);
        var report = await TestReplay.RunAsync(har.ToPlan(), TestReplay.Options(server.BaseUri) with { Concurrency = 8 });

        Assert.Equal(60, report.Summary.Total);
        foreach (var group in arrivals.GroupBy(a => a.Connection))
            Assert.Equal(Enumerable.Range(0, 15), group.Select(a => a.Sequence));
        Assert.True(maxInFlight >= 2, $"connections should be replayed concurrently (max in flight {maxInFlight})");
    }

    [Fact]
    public async Task Ignoring_connections_lets_requests_of_one_connection_run_in_parallel()
    {
        int inFlight = 0, maxInFlight = 0;
        await using var server = await KestrelTarget.StartAsync(async _ =>
        {
            InterlockedMax(ref maxInFlight, Interlocked.Increment(ref inFlight));
            await Task.Delay(50);
            Interlocked.Decrement(ref inFlight);
        });
        var har = new HarBuilder();
        for (int i = 0; i < 8; i++)
            har.Add("GET", $"http://prod/one/{i}", connection: "single");

        await TestReplay.RunAsync(har.ToPlan(), TestReplay.Options(server.BaseUri) with { Concurrency = 8 });
        Assert.Equal(1, maxInFlight); // one recorded connection: strictly one after another

        maxInFlight = 0;
        await TestReplay.RunAsync(har.ToPlan(), TestReplay.Options(server.BaseUri) with { Concurrency = 8, KeepConnectionOrder = false });
        Assert.True(maxInFlight >= 2, $"expected parallel requests, max in flight {maxInFlight}");
    }

    [Fact]
    public async Task Speed_factor_scales_recorded_spacing()
    {
        int hits = 0;
        await using var server = await KestrelTarget.StartAsync(_ => { Interlocked.Increment(ref hits); return Task.CompletedTask; });
        var har = new HarBuilder().Add("GET", "http://prod/first", atMs: 0);
        for (int i = 0; i < 9; i++)
            har.Add("GET", $"http://prod/t/{i}", atMs: 1000 + i * 200); // recorded over 2.6 s
        var options = TestReplay.Options(server.BaseUri) with { Timing = TimingMode.Speed, Speed = 2, Concurrency = 16, KeepExchanges = true };

        var (report, start) = await FakeClock.RunAsync(har.ToPlan(), options, TimeSpan.FromSeconds(2));

        Assert.Equal(10, hits);
        // Twice the recorded speed: every recorded gap halved, to the millisecond, and none started late.
        Assert.Equal([0, 500, 600, 700, 800, 900, 1000, 1100, 1200, 1300], StartOffsetsMs(report, start));
        Assert.Equal(0.0, report.Summary.ScheduleLag.Max);
    }

    [Fact]
    public async Task Rate_sends_n_per_second_not_all_at_once()
    {
        int hits = 0;
        await using var server = await KestrelTarget.StartAsync(_ => { Interlocked.Increment(ref hits); return Task.CompletedTask; });
        var har = new HarBuilder();
        for (int i = 0; i < 31; i++)
            har.Add("GET", $"http://prod/r/{i}"); // all recorded at the same instant
        var options = TestReplay.Options(server.BaseUri) with { Timing = TimingMode.Rate, Rate = 20, Concurrency = 64, KeepExchanges = true };

        var (report, start) = await FakeClock.RunAsync(har.ToPlan(), options, TimeSpan.FromSeconds(2));

        Assert.Equal(31, hits);
        Assert.Equal(Enumerable.Range(0, 31).Select(i => i * 50.0), StartOffsetsMs(report, start)); // 20/s: one every 50 ms
        Assert.Equal(0.0, report.Summary.ScheduleLag.Max);
    }

    [Fact]
    public async Task Loop_repeats_the_plan_and_duration_stops_it()
    {
        int hits = 0;
        await using var server = await KestrelTarget.StartAsync(_ => { Interlocked.Increment(ref hits); return Task.CompletedTask; });
        var plan = new HarBuilder().Add("GET", "http://prod/a").Add("GET", "http://prod/b", atMs: 10).ToPlan();

        var looped = await TestReplay.RunAsync(plan, TestReplay.Options(server.BaseUri) with { Loop = 3 });
        Assert.Equal(6, looped.Summary.Total);
        Assert.Equal(6, hits);

        var (timed, start) = await FakeClock.RunAsync(plan, TestReplay.Options(server.BaseUri) with
        {
            Timing = TimingMode.Rate, Rate = 50, Concurrency = 64, Loop = int.MaxValue, Duration = TimeSpan.FromSeconds(1), KeepExchanges = true,
        }, TimeSpan.FromSeconds(1.5));
        // 50 per second for one second: the requests due at 0, 20, ... 980 ms, and not the one due at 1 s.
        Assert.Equal(50, timed.Summary.Total);
        Assert.Equal(Enumerable.Range(0, 50).Select(i => i * 20.0), StartOffsetsMs(timed, start));
        Assert.Equal(Enumerable.Range(0, 50).Select(i => i / 2), timed.Exchanges!.Select(e => e.Iteration));
    }

    [Fact]
    public async Task The_rate_limiter_refills_on_the_replay_clock()
    {
        var time = new FakeTimeProvider();
        using var rate = new RateLimit(20, time); // one token every 50 ms
        using var first = await rate.AcquireAsync(1, TestContext.Current.CancellationToken);
        Assert.True(first.IsAcquired);

        var second = rate.AcquireAsync(1, TestContext.Current.CancellationToken).AsTask();
        time.Advance(TimeSpan.FromMilliseconds(49));
        Assert.False(second.IsCompleted); // over the rate: queued until the next refill, not rejected
        time.Advance(TimeSpan.FromMilliseconds(1));
        using var lease = await second.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        Assert.True(lease.IsAcquired);
    }

    /// <summary>
    /// When each replayed request was started, in milliseconds from the start of the run, in plan order
    /// (rounded to 10 us: due times are computed in doubles, 570 ms may be due at 569.9999 ms).
    /// </summary>
    static IEnumerable<double> StartOffsetsMs(ReplayReport report, DateTimeOffset start) =>
        report.Exchanges!.Select(e => Math.Round((e.StartedAt - start).TotalMilliseconds, 2));

    static void InterlockedMax(ref int target, int value)
    {
        int current;
        while (value > (current = Volatile.Read(ref target)) && Interlocked.CompareExchange(ref target, value, current) != current) { }
    }
}
