using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using Capture.Cli;
using Capture.Replay.Reporting;
using Capture.Replay.Tests.Support;
using Microsoft.AspNetCore.Http;

namespace Capture.Replay.Tests;

/// <summary>
/// `capture replay --shard K/N` four times against one real Kestrel, then `capture report merge`:
/// the merged report equals one unsharded run of the same input.
/// </summary>
public class ShardedReplayCliTests : IAsyncLifetime
{
    KestrelTarget _server = null!;
    readonly string _dir = Directory.CreateTempSubdirectory("capture-shard-cli-").FullName;

    public async ValueTask InitializeAsync() =>
        _server = await KestrelTarget.StartAsync(async ctx =>
        {
            ctx.Response.StatusCode = ctx.Request.Path.StartsWithSegments("/changed") ? 500 : 200;
            await ctx.Response.WriteAsync("same");
        });

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    string Target => _server.BaseUri.ToString();

    string Path(string name) => System.IO.Path.Combine(_dir, name);

    /// <summary>80 requests: 16 keep-alive connections of 4 and 16 lone requests; every 7th answer differs; recorded times spread.</summary>
    string Har()
    {
        var har = new HarBuilder();
        for (int i = 0; i < 80; i++)
            har.Add("GET", $"http://prod/{(i % 7 == 3 ? "changed" : "items")}/{i}", responseText: "same", atMs: i,
                connection: i < 64 ? $"{i % 16}" : null, timeMs: 1 + (i * 37 % 90) * 1.7);
        string file = Path("input.har");
        File.WriteAllText(file, har.ToJson());
        return file;
    }

    static (int ExitCode, string Stderr) Capture(params string[] args)
    {
        // The verbs' own writers, not the process console: the summary table goes nowhere, and tests run side by side.
        var captured = new StringWriter();
        var console = new VerbConsole(TextWriter.Null, captured, OutIsTerminal: false, ErrorIsTerminal: false);
        var root = new RootCommand { ReplayCommand.Create(console), ReportCommand.Create(console) };
        var parsed = root.Parse(args);
        Assert.Empty(parsed.Errors);
        return (parsed.Invoke(), captured.ToString());
    }

    static ReplayReport Read(string path)
    {
        using var stream = File.OpenRead(path);
        return ReportJson.Read(stream)!;
    }

    /// <summary>Runs the four shards (with <paramref name="extra"/> options) and returns their report paths.</summary>
    List<string> Shards(string input, int count = 4, params string[] extra)
    {
        var reports = new List<string>();
        for (int k = 1; k <= count; k++)
        {
            string report = Path($"shard-{k}-{Guid.NewGuid():N}.json");
            var (code, stderr) = Capture(["replay", input, "--target", Target, "--max", "--shard", $"{k}/{count}", "--report", report, "--max-mismatch", "100", .. extra]);
            Assert.True(code == ExitCodes.Ok, $"shard {k}/{count}: exit {code}, {stderr}");
            reports.Add(report);
        }
        return reports;
    }

    public static TheoryData<string> Inputs => ["har", "demo-kestrel.tcap"];

    [Theory]
    [MemberData(nameof(Inputs))]
    public void Four_merged_shards_equal_one_unsharded_run(string kind)
    {
        string input = kind == "har" ? Har() : System.IO.Path.Combine(TestReplay.RepoRoot(), "fixtures", "recorded", kind);
        string whole = Path("whole.json");
        Assert.Equal(ExitCodes.GateFailed, Capture("replay", input, "--target", Target, "--max", "--report", whole).ExitCode);
        var shards = Shards(input);
        string merged = Path("all.json");

        var (code, stderr) = Capture(["report", "merge", .. shards, "-o", merged]);

        Assert.True(code == ExitCodes.GateFailed, $"merge: exit {code}, {stderr}"); // mismatches over the default 0%: failed once, as the whole run
        var a = Read(whole);
        var m = Read(merged);
        Assert.True(a.Summary.Mismatched > 0 && a.Summary.Total > 10, "the input should replay with some mismatches");
        Assert.Equal(
            (a.Summary.Planned, a.Summary.Total, a.Summary.Matched, a.Summary.Mismatched, a.Summary.NotCompared, a.Summary.Errors, a.Summary.Skipped, a.Summary.Filtered, a.Summary.SkippedNotHttp, a.Summary.MismatchPercent),
            (m.Summary.Planned, m.Summary.Total, m.Summary.Matched, m.Summary.Mismatched, m.Summary.NotCompared, m.Summary.Errors, m.Summary.Skipped, m.Summary.Filtered, m.Summary.SkippedNotHttp, m.Summary.MismatchPercent));
        Assert.Equal(a.Mismatches.Select(x => (x.Index, x.Route, x.Request.RecordedUrl, string.Join("; ", x.Diff))),
                     m.Mismatches.Select(x => (x.Index, x.Route, x.Request.RecordedUrl, string.Join("; ", x.Diff))));
        Assert.Equal(a.Routes.Select(r => (r.Route, r.Count, r.Matched, r.Mismatched, r.NotCompared, r.Errors, r.Skipped)),
                     m.Routes.Select(r => (r.Route, r.Count, r.Matched, r.Mismatched, r.NotCompared, r.Errors, r.Skipped)));
        // Recorded latencies are the same values in both: percentiles recomputed from the merged histograms are exact.
        Assert.Equal(a.Summary.RecordedLatency, m.Summary.RecordedLatency);
        Assert.Equal(a.Routes.Select(r => r.RecordedLatency), m.Routes.Select(r => r.RecordedLatency));
        Assert.Equal(a.Summary.ReplayLatency.Count, m.Summary.ReplayLatency.Count);
        Assert.Equal(a.InputSha256, m.InputSha256);
        Assert.Equal(shards, m.MergedFrom);
        Assert.True(new FileInfo(merged).UnixFileMode == (UnixFileMode.UserRead | UnixFileMode.UserWrite), "the merged report is 0600");
        Assert.Equal(4, shards.Select(Read).Count(r => r.Shard is { Count: 4 }));
    }

    [Fact]
    public void The_gate_is_applied_once_to_the_merged_counts()
    {
        string input = Har();
        // Every shard within a 100% limit: each passes, the merge at 0% fails.
        var shards = Shards(input);
        Assert.Equal(ExitCodes.GateFailed, Capture(["report", "merge", .. shards]).ExitCode);
        var merged = Path("m.json");
        Capture(["report", "merge", .. shards, "-o", merged]);
        double percent = Read(merged).Summary.MismatchPercent;
        Assert.True(percent > 0);
        // Just at the merged share it passes, even though a shard alone may be above it.
        Assert.Equal(ExitCodes.Ok, Capture(["report", "merge", .. shards, "--max-mismatch", percent.ToString(System.Globalization.CultureInfo.InvariantCulture)]).ExitCode);
        var worst = shards.Select(Read).Max(r => r.Summary.MismatchPercent);
        Assert.True(worst > percent, $"a shard ({worst}%) should be above the merged share ({percent}%), else this test shows nothing");

        // Each shard failing at 0% on its own; the merge under a limit over the merged share passes once.
        var failing = new List<string>();
        for (int k = 1; k <= 4; k++)
        {
            string report = Path($"strict-{k}.json");
            int code = Capture("replay", input, "--target", Target, "--max", "--shard", $"{k}/4", "--report", report).ExitCode;
            Assert.Equal(Read(report).Summary.Mismatched > 0 ? ExitCodes.GateFailed : ExitCodes.Ok, code);
            failing.Add(report);
        }
        Assert.Equal(ExitCodes.Ok, Capture(["report", "merge", .. failing, "--max-mismatch", "50"]).ExitCode);
    }

    [Theory]
    [InlineData("0/4")]
    [InlineData("5/4")]
    [InlineData("1/0")]
    [InlineData("1/10001")]
    [InlineData("a/b")]
    [InlineData("2")]
    public void Bad_shard_is_one_sentence_and_exit_2(string shard)
    {
        var (code, stderr) = Capture("replay", Har(), "--target", Target, "--shard", shard);
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Equal($"capture: --shard takes K/N with 1 <= K <= N <= 10000, not '{shard}'.", stderr.TrimEnd());
    }

    [Fact]
    public void Unusable_report_files_are_one_sentence_and_exit_3()
    {
        var shards = Shards(Har(), 2);
        string notJson = Path("not.json");
        File.WriteAllText(notJson, "hello");
        string notReport = Path("other.json");
        File.WriteAllText(notReport, """{"log": {"entries": []}}""");
        var hostile = JsonNode.Parse(File.ReadAllText(shards[0]))!;
        hostile["mismatches"] = new JsonArray(new JsonObject { ["index"] = 0 });
        string hostileEntry = Path("hostile.json");
        File.WriteAllText(hostileEntry, hostile.ToJsonString());
        string noHistograms = Path("old.json");
        File.WriteAllText(noHistograms, WithoutHistograms(File.ReadAllText(shards[0])));

        string[][] cases =
        [
            [Path("missing.json"), shards[1]],
            [_dir],
            [notJson, shards[1]],
            [notReport, shards[1]],
            [noHistograms, shards[1]],
            [hostileEntry, shards[1]],
            [shards[0]], // shard 2/2 missing
            [shards[0], shards[0], shards[1]], // 1/2 twice
        ];
        foreach (var files in cases)
        {
            var (code, stderr) = Capture(["report", "merge", .. files]);
            Assert.True(code == ExitCodes.BadInput, $"{string.Join(" ", files)}: exit {code}, {stderr}");
            Assert.StartsWith("capture: ", stderr);
            Assert.Single(stderr.TrimEnd().Split('\n'));
        }
        Assert.Contains("shard 2/2 of the recording is missing", Capture("report", "merge", shards[0]).Stderr);
        Assert.Contains("no latency histograms", Capture("report", "merge", noHistograms, shards[1]).Stderr);
    }

    [Fact]
    public void An_interrupted_shard_makes_the_merge_exit_130_and_an_unwritable_output_exit_5()
    {
        var shards = Shards(Har(), 2);
        var node = JsonNode.Parse(File.ReadAllText(shards[1]))!;
        node["interrupted"] = true;
        File.WriteAllText(shards[1], node.ToJsonString());
        string merged = Path("interrupted.json");
        Assert.Equal(ExitCodes.Interrupted, Capture(["report", "merge", .. shards, "--max-mismatch", "100", "-o", merged]).ExitCode);
        Assert.True(Read(merged).Interrupted);

        node["interrupted"] = false;
        File.WriteAllText(shards[1], node.ToJsonString());
        Assert.Equal(ExitCodes.Output, Capture(["report", "merge", .. shards, "-o", _dir]).ExitCode);
        Assert.Equal(ExitCodes.Usage, Capture(["report", "merge", .. shards, "--max-mismatch", "NaN"]).ExitCode);
    }

    static string WithoutHistograms(string json)
    {
        var node = JsonNode.Parse(json)!;
        void Strip(JsonNode? n)
        {
            if (n is JsonObject o)
            {
                o.Remove("histogram");
                foreach (var (_, child) in o.ToList())
                    Strip(child);
            }
            else if (n is JsonArray a)
                foreach (var child in a)
                    Strip(child);
        }
        Strip(node);
        return node.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }
}
