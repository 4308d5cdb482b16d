using System.Collections.Concurrent;
using System.Diagnostics;
using Capture.Replay.Tests.Support;

namespace Capture.Replay.Tests;

/// <summary>Per-connection order, speed factor and rate, checked as behaviour with generous bounds.</summary>
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
        var arrivals = new ConcurrentQueue<long>();
        await using var server = await KestrelTarget.StartAsync(ctx =>
        {
            arrivals.Enqueue(Stopwatch.GetTimestamp());
            return Task.CompletedTask;
        });
        // A warm-up request first, so connection setup and JIT do not distort the measured spacing.
        var har = new HarBuilder().Add("GET", "http://prod/warm-up", atMs: 0);
        for (int i = 0; i < 9; i++)
            har.Add("GET", $"http://prod/t/{i}", atMs: 1000 + i * 200); // recorded over 1.6 s
        var options = TestReplay.Options(server.BaseUri) with { Timing = TimingMode.Speed, Speed = 2 };

        await TestReplay.RunAsync(har.ToPlan(), options);

        var times = arrivals.ToArray();
        double spanSeconds = Stopwatch.GetElapsedTime(times[1], times[^1]).TotalSeconds;
        Assert.Equal(10, times.Length);
        Assert.InRange(spanSeconds, 0.65, 1.3); // 0.8 s expected at twice the recorded speed
    }

    [Fact]
    public async Task Rate_sends_about_n_per_second_not_all_at_once()
    {
        var arrivals = new ConcurrentQueue<long>();
        await using var server = await KestrelTarget.StartAsync(ctx =>
        {
            arrivals.Enqueue(Stopwatch.GetTimestamp());
            return Task.CompletedTask;
        });
        var har = new HarBuilder();
        for (int i = 0; i < 31; i++)
            har.Add("GET", $"http://prod/r/{i}"); // all recorded at the same instant
        var options = TestReplay.Options(server.BaseUri) with { Timing = TimingMode.Rate, Rate = 20, Concurrency = 16 };

        await TestReplay.RunAsync(har.ToPlan(), options);

        var times = arrivals.ToArray();
        double spanSeconds = Stopwatch.GetElapsedTime(times[0], times[^1]).TotalSeconds;
        Assert.Equal(31, times.Length);
        Assert.InRange(spanSeconds, 1.2, 3.0); // 30 gaps at 20/s = 1.5 s
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

        var timed = await TestReplay.RunAsync(plan, TestReplay.Options(server.BaseUri) with
        {
            Timing = TimingMode.Rate, Rate = 50, Loop = int.MaxValue, Duration = TimeSpan.FromSeconds(1),
        });
        Assert.InRange(timed.Summary.Total, 20, 80); // about 50 in one second
        Assert.InRange(timed.DurationSeconds, 0.8, 5);
    }

    static void InterlockedMax(ref int target, int value)
    {
        int current;
        while (value > (current = Volatile.Read(ref target)) && Interlocked.CompareExchange(ref target, value, current) != current) { }
    }
}
