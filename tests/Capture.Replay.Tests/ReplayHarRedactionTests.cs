using System.Text;
using Capture.Traffic.Json;
using Capture.Traffic.Redaction;
using Capture.Replay.Reporting;
using Capture.Replay.Tests.Support;

namespace Capture.Replay.Tests;

/// <summary>`replay --har-out` with redaction: what was sent and what the target answered leave no secret in the HAR.</summary>
public class ReplayHarRedactionTests
{
    [Fact]
    public async Task Sent_and_received_json_bodies_are_redacted_and_equal_secrets_keep_equal_tokens()
    {
        await using var server = await KestrelTarget.StartAsync(async ctx =>
        {
            ctx.Response.ContentType = "application/json";
            await ctx.Request.Body.CopyToAsync(ctx.Response.Body);
        });
        var plan = new HarBuilder()
            .Add("POST", "http://prod/login?api_key=k-123", body: """{"user":"bob","password":"hunter2","profile":{"card":"4111"}}"""u8.ToArray(),
                 headers: [("Content-Type", "application/json"), ("Authorization", "Bearer prod-token")])
            .ToPlan();
        var options = TestReplay.Options(server.BaseUri) with { KeepExchanges = true, Concurrency = 1 };
        var report = await TestReplay.RunAsync(plan, options);

        var har = new MemoryStream();
        var rules = new RedactionRules { Names = ["password", "api_key"], JsonPaths = [JsonPathPattern.Parse("$.profile.card")] };
        ReplayHarWriter.Write(report, options, har, rules);
        string text = Encoding.UTF8.GetString(har.ToArray());

        foreach (string secret in new[] { "hunter2", "4111", "k-123", "prod-token" })
            Assert.DoesNotContain(secret, text);
        var entry = Capture.Traffic.Har.HarReader.Read(new MemoryStream(har.ToArray())).Entries.Single();
        Assert.Contains("\"user\":\"bob\"", entry.Request.PostData!.Text);
        Assert.StartsWith("{\"user\":\"bob\",\"password\":\"redacted:", entry.Request.PostData.Text);
        // The echo answered the same secrets: one run, one key, the same tokens on both sides.
        Assert.Equal(entry.Request.PostData.Text, entry.Response.Content.Text);
    }
}
