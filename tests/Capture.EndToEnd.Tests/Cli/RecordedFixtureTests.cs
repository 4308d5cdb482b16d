using System.Text;
using System.Text.Json;

namespace Capture.EndToEnd.Tests.Cli;

/// <summary>
/// fixtures/recorded/demo-kestrel.tcap is a real recording (capture demo, Kestrel, 40 requests):
/// what the tool reads back from it is checked against what that service is known to answer.
/// </summary>
public class RecordedFixtureTests
{
    private static string Fixture => Path.Combine(CaptureCli.RepositoryRoot, "fixtures", "recorded", "demo-kestrel.tcap");

    [Fact]
    public async Task Inspect_reads_a_real_recording_as_clean_and_lossless()
    {
        var result = await CaptureCli.RunAsync("inspect", "--json", Fixture);
        Assert.Equal(0, result.ExitCode);
        var summary = JsonDocument.Parse(result.Stdout).RootElement;
        Assert.True(summary.GetProperty("cleanClose").GetBoolean());
        Assert.Equal(0, summary.GetProperty("lostEvents").GetInt64());
        Assert.Equal(0, summary.GetProperty("corruptBlocks").GetInt64());
        Assert.Equal(4, summary.GetProperty("connections").GetInt32());
    }

    [Fact]
    public async Task Har_of_a_real_recording_has_every_exchange_with_its_real_bodies()
    {
        var result = await CaptureCli.RunAsync("har", Fixture, "-o", "-");
        Assert.Equal(0, result.ExitCode);
        var entries = JsonDocument.Parse(result.Stdout).RootElement.GetProperty("log").GetProperty("entries").EnumerateArray().ToList();
        Assert.Equal(40, entries.Count);
        Assert.All(entries, e => Assert.Equal(200, e.GetProperty("response").GetProperty("status").GetInt32()));

        // The echo route answers with the request body, byte for byte.
        var posts = entries.Where(e => e.GetProperty("request").GetProperty("method").GetString() == "POST").ToList();
        Assert.Equal(8, posts.Count);
        Assert.All(posts, p => Assert.Equal(
            p.GetProperty("request").GetProperty("postData").GetProperty("text").GetString(),
            p.GetProperty("response").GetProperty("content").GetProperty("text").GetString()));

        // The report route is gzip on the wire: the HAR holds the decoded JSON and says how much was saved.
        var report = entries.First(e => e.GetProperty("request").GetProperty("url").GetString()!.EndsWith("/api/report"));
        var content = report.GetProperty("response").GetProperty("content");
        using var rows = JsonDocument.Parse(content.GetProperty("text").GetString()!);
        Assert.Equal(200, rows.RootElement.GetProperty("rows").GetArrayLength());
        Assert.Equal(Encoding.UTF8.GetByteCount(content.GetProperty("text").GetString()!), content.GetProperty("size").GetInt32());
        Assert.True(content.GetProperty("compression").GetInt32() > 0);

        // Entries are in start order.
        var starts = entries.Select(e => DateTimeOffset.Parse(e.GetProperty("startedDateTime").GetString()!, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(starts.OrderBy(s => s), starts);
    }
}
