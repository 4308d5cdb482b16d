using System.IO.Compression;
using System.Text;
using Capture.Traffic.Json;
using Capture.Replay.Comparison;
using Capture.Replay.Reporting;
using Capture.Replay.Tests.Support;
using Microsoft.AspNetCore.Http;

namespace Capture.Replay.Tests;

/// <summary>Answers from a real server judged against recorded ones.</summary>
public class ComparisonTests
{
    /// <summary>A small API: JSON with noisy fields, a gzip route, a text route, and one route that changed.</summary>
    static Task<KestrelTarget> Api() => KestrelTarget.StartAsync(async ctx =>
    {
        switch (ctx.Request.Path.Value)
        {
            case "/users/1":
                ctx.Response.ContentType = "application/json";
                ctx.Response.Headers["X-Version"] = "2";
                await ctx.Response.WriteAsync($$$"""{"name":"ada","id":1,"meta":{"requestId":"{{{Guid.NewGuid()}}}","at":{{{DateTime.UtcNow.Ticks}}}}}""");
                break;
            case "/gz":
                ctx.Response.Headers.ContentEncoding = "gzip";
                var gz = new MemoryStream();
                using (var z = new GZipStream(gz, CompressionLevel.Fastest, leaveOpen: true))
                    z.Write("compressed hello"u8);
                await ctx.Response.Body.WriteAsync(gz.ToArray());
                break;
            case "/text":
                await ctx.Response.WriteAsync("plain text answer");
                break;
            case "/changed":
                ctx.Response.StatusCode = 201;
                await ctx.Response.WriteAsync("new behaviour");
                break;
            default:
                ctx.Response.StatusCode = 404;
                break;
        }
    });

    static Capture.Replay.Input.ReplayPlan Recording() => new HarBuilder()
        .Add("GET", "http://prod/users/1", responseText: """{"id":1,"meta":{"at":5,"requestId":"r-1"},"name":"ada"}""", mimeType: "application/json",
             responseHeaders: [("X-Version", "1")])
        .Add("GET", "http://prod/gz", responseText: "compressed hello", responseHeaders: [("Content-Encoding", "gzip")])
        .Add("GET", "http://prod/text", responseText: "plain text answer")
        .Add("GET", "http://prod/changed", status: 200, responseText: "old behaviour")
        .ToPlan();

    [Fact]
    public async Task Changed_route_is_the_only_mismatch_with_json_ignores_and_gzip_decoded()
    {
        await using var api = await Api();
        var options = TestReplay.Options(api.BaseUri) with
        {
            Comparison = new ComparisonRules { IgnoreJson = [JsonPathPattern.Parse("$.meta.requestId"), JsonPathPattern.Parse("$..at")] },
        };

        var report = await TestReplay.RunAsync(Recording(), options);

        Assert.Equal(4, report.Summary.Total);
        Assert.Equal(3, report.Summary.Matched);
        var mismatch = Assert.Single(report.Mismatches);
        Assert.Equal("GET /changed", mismatch.Route);
        Assert.Equal(200, mismatch.Expected.Status);
        Assert.Equal(201, mismatch.Actual.Status);
        Assert.Equal("new behaviour", mismatch.Actual.BodyPreview);
        Assert.Contains("status: expected 200, got 201", mismatch.Diff);
        Assert.Contains(mismatch.Diff, d => d.StartsWith("body differs at byte 0"));
        Assert.False(report.Summary.Passed);
        Assert.Equal(25, report.Summary.MismatchPercent);
    }

    [Fact]
    public async Task Without_ignore_rules_noisy_json_fields_mismatch()
    {
        await using var api = await Api();
        var report = await TestReplay.RunAsync(Recording(), TestReplay.Options(api.BaseUri));
        var users = Assert.Single(report.Mismatches, m => m.Route == "GET /users/{id}");
        Assert.Contains(users.Diff, d => d.StartsWith("body $.meta.requestId: expected \"r-1\""));
        Assert.Contains(users.Diff, d => d.StartsWith("body $.meta.at: expected 5"));
    }

    [Fact]
    public async Task Status_class_compare_headers_and_the_gate_percentage()
    {
        await using var api = await Api();
        var lenient = TestReplay.Options(api.BaseUri) with
        {
            Comparison = new ComparisonRules { StatusClassOnly = true, IgnoreJson = [JsonPathPattern.Parse("$.meta")] },
        };
        var plan = Recording().Where(r => r.PathAndQuery != "/text");

        // 201 vs 200 is the same class, but the body still differs.
        var report = await TestReplay.RunAsync(plan, lenient);
        var changed = Assert.Single(report.Mismatches);
        Assert.DoesNotContain(changed.Diff, d => d.StartsWith("status"));

        var withHeader = await TestReplay.RunAsync(plan, lenient with
        {
            Comparison = lenient.Comparison with { CompareHeaders = ["x-version"] },
            MaxMismatchPercent = 70,
        });
        var users = Assert.Single(withHeader.Mismatches, m => m.Route == "GET /users/{id}");
        Assert.Equal(["header x-version: expected '1', got '2'"], users.Diff);
        Assert.Equal(66.667, withHeader.Summary.MismatchPercent);
        Assert.True(withHeader.Summary.Passed); // 2 of 3 within the 70% limit
    }

    [Fact]
    public async Task Truncated_or_incomplete_recorded_bodies_are_not_compared_never_matched_and_fail_the_gate_unless_allowed()
    {
        await using var api = await Api();
        var plan = new HarBuilder()
            .Add("GET", "http://prod/text", responseText: "plain te", truncated: true)
            .Add("GET", "http://prod/changed", status: 201, responseText: "partial", incomplete: true)
            .Add("GET", "http://prod/text", responseText: "plain text answer")
            .ToPlan();

        var report = await TestReplay.RunAsync(plan, TestReplay.Options(api.BaseUri));

        Assert.Equal(1, report.Summary.Matched);
        Assert.Equal(2, report.Summary.NotCompared);
        Assert.Equal(1, report.Summary.BodiesNotCompared["recording-truncated"]);
        Assert.Equal(1, report.Summary.BodiesNotCompared["recording-incomplete"]);
        Assert.Equal(66.667, report.Summary.MismatchPercent);
        Assert.False(report.Summary.Passed);
        var route = Assert.Single(report.Routes, r => r.Route == "GET /text");
        Assert.Equal((2, 1, 1), (route.Count, route.Matched, route.NotCompared));

        var allowed = await TestReplay.RunAsync(plan, TestReplay.Options(api.BaseUri) with { AllowNotCompared = true });
        Assert.Equal(2, allowed.Summary.NotCompared);
        Assert.Equal(0, allowed.Summary.MismatchPercent);
        Assert.True(allowed.Summary.Passed);
    }

    [Theory]
    [InlineData("br")]
    [InlineData("deflate")]
    [InlineData("gzip, br")]
    public void Encoded_replay_bodies_are_decoded_before_comparing(string contentEncoding)
    {
        byte[] text = Encoding.UTF8.GetBytes("same bytes after decoding");
        byte[] body = text;
        foreach (string coding in contentEncoding.Split(", "))
            body = Encode(body, coding);
        var recorded = new HarBuilder().Add("GET", "http://prod/x", responseText: "same bytes after decoding").ToPlan().Requests[0];
        var comparer = new ResponseComparer(new ComparisonRules());

        var same = comparer.Compare(recorded, new ReceivedResponse(200, [new("Content-Encoding", contentEncoding)], body, false));
        var unknown = comparer.Compare(recorded, new ReceivedResponse(200, [new("Content-Encoding", "compress")], body, false));

        Assert.Equal(BodyVerdict.Equal, same.Body);
        Assert.Equal(BodyVerdict.Different, unknown.Body);
        Assert.Equal(["body: cannot decode Content-Encoding 'compress'"], unknown.BodyDifferences);
    }

    static byte[] Encode(byte[] data, string coding)
    {
        var output = new MemoryStream();
        using (Stream encoder = coding switch
        {
            "br" => new BrotliStream(output, CompressionLevel.Fastest, leaveOpen: true),
            "gzip" => new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true),
            _ => new ZLibStream(output, CompressionLevel.Fastest, leaveOpen: true),
        })
            encoder.Write(data);
        return output.ToArray();
    }

    [Fact]
    public async Task Report_json_has_summary_routes_and_every_mismatch()
    {
        await using var api = await Api();
        var report = await TestReplay.RunAsync(Recording(), TestReplay.Options(api.BaseUri));
        var json = System.Text.Json.JsonDocument.Parse(ReportJson.ToJson(report)).RootElement;

        Assert.Equal(4, json.GetProperty("summary").GetProperty("total").GetInt32());
        Assert.Equal(report.Mismatches.Count, json.GetProperty("mismatches").GetArrayLength());
        var first = json.GetProperty("mismatches")[0];
        Assert.StartsWith(api.BaseUri.ToString().TrimEnd('/'), first.GetProperty("request").GetProperty("url").GetString());
        Assert.True(first.GetProperty("diff").GetArrayLength() > 0);
        Assert.Equal(4, json.GetProperty("routes").GetArrayLength());
        Assert.True(json.GetProperty("summary").GetProperty("replayLatency").GetProperty("p99").GetDouble() > 0);
        Assert.Equal(5, json.GetProperty("summary").GetProperty("recordedLatency").GetProperty("p50").GetDouble(), 1);
    }
}
