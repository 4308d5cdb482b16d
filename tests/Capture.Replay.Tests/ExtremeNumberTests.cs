using System.Text;
using Capture.Replay.Input;
using Capture.Replay.Tests.Support;
using Microsoft.AspNetCore.Http;

namespace Capture.Replay.Tests;

/// <summary>Numbers a recording or the run itself produces at the edge of what fits: saturated, never an overflow.</summary>
public class ExtremeNumberTests
{
    static ReplayRequest Request(int index, DateTimeOffset startedAt, double? recordedMs = null) => new()
    {
        Index = index,
        Method = "GET",
        Url = $"http://prod/r{index}",
        Headers = [],
        Body = [],
        Response = new RecordedResponse(200, [], Encoding.UTF8.GetBytes("same"), "text/plain"),
        StartedAt = startedAt,
        RecordedMilliseconds = recordedMs,
    };

    static Task<KestrelTarget> Same() => KestrelTarget.StartAsync(ctx => ctx.Response.WriteAsync("same"));

    [Fact]
    public async Task A_recorded_time_of_1e16_ms_is_clamped_in_the_latency_summary()
    {
        await using var server = await Same();
        var now = DateTimeOffset.UtcNow;
        // Built directly, not through a HAR: whatever the HAR reader accepts, the collector must not overflow.
        var plan = new ReplayPlan([Request(0, now, 1e16), Request(1, now, double.MaxValue), Request(2, now, 5)], "test");

        var report = await TestReplay.RunAsync(plan, TestReplay.Options(server.BaseUri));

        Assert.Equal(3, report.Summary.Matched);
        Assert.Equal(3, report.Summary.RecordedLatency.Count);
        // The histogram's top, one hour (within its 3 significant digits).
        Assert.InRange(report.Summary.RecordedLatency.Max!.Value, 3_600_000, 3_600_000 * 1.001);
    }

    [Fact]
    public async Task A_slow_speed_over_start_times_millennia_apart_schedules_far_away_instead_of_overflowing()
    {
        await using var server = await Same();
        var plan = new ReplayPlan(
            [Request(0, new DateTimeOffset(1, 1, 1, 0, 0, 0, TimeSpan.Zero)), Request(1, new DateTimeOffset(9999, 1, 1, 0, 0, 0, TimeSpan.Zero))],
            "test");
        var options = TestReplay.Options(server.BaseUri) with
        {
            Timing = TimingMode.Speed,
            Speed = ReplayLimits.MinSpeed,
            Duration = TimeSpan.FromSeconds(1),
        };

        var report = await TestReplay.RunAsync(plan, options);

        Assert.Equal(1, report.Summary.Total); // the second one is due in ten million years
        Assert.Equal(1, report.Summary.Matched);
    }

    [Fact]
    public async Task The_slowest_rate_schedules_without_overflowing()
    {
        await using var server = await Same();
        var now = DateTimeOffset.UtcNow;
        var plan = new ReplayPlan([Request(0, now), Request(1, now)], "test");
        var options = TestReplay.Options(server.BaseUri) with
        {
            Timing = TimingMode.Rate,
            Rate = ReplayLimits.MinRate,
            Duration = TimeSpan.FromSeconds(1),
        };

        var report = await TestReplay.RunAsync(plan, options);

        Assert.Equal(1, report.Summary.Total); // the next is due in 1000 s, after the 1 s run
    }
}
