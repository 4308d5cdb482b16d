using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Capture.Traffic.Reassembly;
using Capture.Replay.Input;
using Capture.Replay.Tests.Support;
using Microsoft.AspNetCore.Http.Features;

namespace Capture.Replay.Tests;

/// <summary>Filters (same meaning as `capture har`) and capture-file input through the format reassembler.</summary>
public class InputTests
{
    static string SyntheticCapture => Path.Combine(TestReplay.RepoRoot(), "fixtures", "synthetic-api.tcap");

    [Fact]
    public void Har_plan_filters_by_method_host_path_status_pid_and_excluded_path()
    {
        var plan = new HarBuilder()
            .Add("GET", "http://api.prod:8080/api/users/1", status: 200, headers: [("Host", "api.prod:8080")])
            .Add("POST", "http://api.prod:8080/api/users", status: 201, headers: [("Host", "api.prod:8080")])
            .Add("GET", "http://api.prod:8080/api/health", status: 200)
            .Add("GET", "http://other.prod/api/users/2", status: 503)
            .ToPlan();

        string[] Paths(PlanFilter f) => f.Apply(plan).Requests.Select(r => r.Method + " " + r.PathAndQuery).ToArray();

        Assert.Equal(["POST /api/users"], Paths(new PlanFilter { Exchange = new ExchangeFilter { Method = "post" } }));
        Assert.Equal(3, Paths(new PlanFilter { Exchange = new ExchangeFilter { Host = "api.prod" } }).Length);
        Assert.Equal(3, Paths(new PlanFilter { Exchange = new ExchangeFilter { Host = "api.prod:8080" } }).Length);
        Assert.Equal(["GET /api/users/2"], Paths(new PlanFilter { Exchange = new ExchangeFilter { Status = ExchangeFilter.ParseStatus("5xx") } }));
        Assert.Equal(["GET /api/users/1", "POST /api/users", "GET /api/users/2"],
            Paths(new PlanFilter { Exchange = new ExchangeFilter { PathPrefix = "/api/users" } }));
        Assert.Equal(["GET /api/users/1", "POST /api/users", "GET /api/users/2"],
            Paths(new PlanFilter { ExcludePath = new Regex("health$") }));
        Assert.Empty(Paths(new PlanFilter { Exchange = new ExchangeFilter { Pid = 42 } })); // a browser HAR has no pid
        Assert.Equal(1, new PlanFilter { ExcludePath = new Regex("health") }.Apply(plan).Filtered);
        // Filtering keeps each request's position in the recording, so a report points at the right entry.
        Assert.Equal(1, Assert.Single(new PlanFilter { Exchange = new ExchangeFilter { Method = "POST" } }.Apply(plan).Requests).Index);
    }

    [Fact]
    public void Capture_file_becomes_a_plan_with_connections_timings_and_decoded_bodies()
    {
        var plan = new PlanFilter().Load(SyntheticCapture);

        Assert.True(plan.Requests.Count > 10);
        Assert.All(plan.Requests, r => Assert.StartsWith("http://", r.Url));
        Assert.All(plan.Requests, r => Assert.NotNull(r.ConnectionId));
        Assert.True(plan.Requests.Select(r => r.ConnectionId).Distinct().Count() > 1);
        Assert.True(plan.Requests.Zip(plan.Requests.Skip(1)).All(p => p.First.StartedAt <= p.Second.StartedAt));
        Assert.Contains(plan.Requests, r => r.Method == "POST" && r.Body.Length > 0);
        Assert.All(plan.Requests.Where(r => !r.Incomplete), r => Assert.True(r.Response.Status >= 100));
        Assert.All(plan.Requests, r => Assert.True(r.RecordedMilliseconds > 0));
    }

    [Fact]
    public void Capture_file_input_uses_the_shared_exchange_filter()
    {
        var all = new PlanFilter().Load(SyntheticCapture);
        var posts = new PlanFilter { Exchange = new ExchangeFilter { Method = "POST" } }.Load(SyntheticCapture);

        Assert.NotEmpty(posts.Requests);
        Assert.All(posts.Requests, r => Assert.Equal("POST", r.Method));
        Assert.Equal(all.Requests.Count(r => r.Method == "POST"), posts.Requests.Count);
        Assert.Equal(all.Requests.Count - posts.Requests.Count, posts.Filtered);
    }

    [Fact]
    public async Task Capture_file_replays_the_recorded_requests_against_kestrel()
    {
        var plan = new PlanFilter().Load(SyntheticCapture);
        var seen = new ConcurrentBag<(string Method, string Target, long Length)>();
        await using var server = await KestrelTarget.StartAsync(async ctx =>
        {
            var body = new MemoryStream();
            await ctx.Request.Body.CopyToAsync(body);
            seen.Add((ctx.Request.Method, ctx.Features.Get<IHttpRequestFeature>()!.RawTarget, body.Length));
        });

        var report = await TestReplay.RunAsync(plan, TestReplay.Options(server.BaseUri) with { Concurrency = 8 });

        Assert.Equal(plan.Requests.Count, report.Summary.Total);
        Assert.Equal(plan.Requests.Select(r => (r.Method, r.PathAndQuery, (long)r.Body.Length)).Order(), seen.Select(s => (s.Method, s.Target, s.Length)).Order());
    }
}
