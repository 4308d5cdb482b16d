using System.Collections.Concurrent;
using System.Text.Json;
using Capture.Cli;
using Capture.Format;
using Capture.Format.Records;
using Capture.Replay.Input;
using Capture.Replay.Tests.Support;
using Microsoft.AspNetCore.Http;

namespace Capture.Replay.Tests;

/// <summary>
/// `capture merge` of real recordings (the Kestrel demo recorded with BPF, the synthetic API capture, and a
/// copy of it under another host name), run as the real tool; the merged file is converted, listed and
/// replayed against a real Kestrel.
/// </summary>
public class MergeCliTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("capture-merge-").FullName;

    static string Fixture(params string[] parts) => System.IO.Path.Combine([TestReplay.RepoRoot(), "fixtures", .. parts]);

    static readonly string Kestrel = Fixture("recorded", "demo-kestrel.tcap");
    static readonly string Synthetic = Fixture("synthetic-api.tcap");

    string Path(string name) => System.IO.Path.Combine(_dir, name);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>A copy of <paramref name="source"/> whose header names another host, made through the public reader and writer.</summary>
    string WithHost(string source, string host)
    {
        string copy = Path($"{host}.tcap");
        using var reader = CaptureReader.Open(source);
        using var writer = CaptureWriter.Create(copy, reader.Header with { HostName = host });
        ulong last = 0;
        foreach (var record in reader.ReadRecords().Where(r => r is not TrailerRecord))
        {
            writer.Write(record);
            last = Math.Max(last, record.TimestampNs);
        }
        writer.Complete(last);
        return copy;
    }

    static async Task<string> Run(params string[] args)
    {
        var (code, stdout, stderr) = await CaptureProcess.RunAsync(args);
        Assert.True(code == ExitCodes.Ok, $"capture {string.Join(' ', args)}: exit {code}, {stderr}");
        return stdout;
    }

    /// <summary>The HAR entries of a capture, converted by the real tool.</summary>
    async Task<List<JsonElement>> HarEntries(string capture)
    {
        string har = Path(System.IO.Path.GetFileNameWithoutExtension(capture) + "-" + Guid.NewGuid().ToString("N") + ".har");
        await Run("har", capture, "-o", har);
        using var document = JsonDocument.Parse(File.ReadAllBytes(har));
        return document.RootElement.GetProperty("log").GetProperty("entries").EnumerateArray().Select(e => e.Clone()).ToList();
    }

    /// <summary>What identifies an exchange apart from its connection id: start, method, URL, status, response body size.</summary>
    static string Exchange(JsonElement e) =>
        $"{e.GetProperty("startedDateTime").GetString()} {e.GetProperty("request").GetProperty("method").GetString()} " +
        $"{e.GetProperty("request").GetProperty("url").GetString()} {e.GetProperty("response").GetProperty("status").GetInt32()} " +
        $"{e.GetProperty("response").GetProperty("bodySize").GetInt64()}";

    static string HostOf(JsonElement e) => e.GetProperty("_host").GetString()!;

    [Fact]
    public async Task Merged_HAR_holds_every_exchange_of_every_input_with_its_host_in_time_order()
    {
        string nodeB = WithHost(Synthetic, "node-b");
        string merged = Path("fleet.tcap");
        await Run("merge", Kestrel, Synthetic, nodeB, "-o", merged);

        var inputs = new Dictionary<string, List<JsonElement>>
        {
            ["vm"] = await HarEntries(Kestrel),
            ["fixture-host"] = await HarEntries(Synthetic),
            ["node-b"] = await HarEntries(nodeB),
        };
        Assert.All(inputs, i => Assert.True(i.Value.Count > 10, $"{i.Key} should hold exchanges"));
        Assert.All(inputs, i => Assert.All(i.Value, e => Assert.Equal(i.Key, HostOf(e)))); // a single recording names its header's host
        var entries = await HarEntries(merged);

        Assert.Equal(inputs.Values.Sum(v => v.Count), entries.Count);
        foreach (var (host, alone) in inputs)
        {
            // Each host's exchanges are exactly those of its own file: nothing lost, nothing paired across hosts.
            Assert.Equal(alone.Select(Exchange).Order(), entries.Where(e => HostOf(e) == host).Select(Exchange).Order());
        }
        var starts = entries.Select(e => e.GetProperty("startedDateTime").GetDateTimeOffset()).ToList();
        Assert.Equal(starts.Order(), starts);
        // Two hosts' connections never share an id.
        var idsByHost = entries.GroupBy(HostOf).ToDictionary(g => g.Key, g => g.Select(e => e.GetProperty("_connectionId").GetUInt64()).ToHashSet());
        Assert.Empty(idsByHost["fixture-host"].Intersect(idsByHost["node-b"]));
        Assert.Empty(idsByHost["fixture-host"].Intersect(idsByHost["vm"]));

        // The merged records themselves are in wall-clock order, and the file ends with a trailer whose totals are true.
        using var reader = CaptureReader.Open(merged);
        var records = reader.ReadRecords().ToList();
        var times = records.Where(r => r is not (HostRecord or TrailerRecord)).Select(r => r.TimestampNs).ToList();
        Assert.Equal(times.Order(), times);
        Assert.True(reader.Stats.CleanClose);
        var trailer = Assert.IsType<TrailerRecord>(records[^1]);
        Assert.Equal((ulong)records.Count, trailer.Records);
        Assert.Equal((ulong)records.OfType<ConnectionOpenedRecord>().Count(), trailer.Connections);
        Assert.Equal(["vm", "fixture-host", "node-b"], records.OfType<HostRecord>().Select(h => h.HostName));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, new FileInfo(merged).UnixFileMode);
    }

    [Fact]
    public async Task A_file_merged_with_itself_under_two_hosts_keeps_both_copies_and_ls_shows_the_host()
    {
        string merged = Path("twice.tcap");
        await Run("merge", Synthetic, WithHost(Synthetic, "node-b"), "-o", merged);

        var alone = await HarEntries(Synthetic);
        var entries = await HarEntries(merged);
        Assert.Equal(2 * alone.Count, entries.Count);
        Assert.Equal(alone.Select(Exchange).Order(), entries.Where(e => HostOf(e) == "fixture-host").Select(Exchange).Order());
        Assert.Equal(alone.Select(Exchange).Order(), entries.Where(e => HostOf(e) == "node-b").Select(Exchange).Order());

        var lines = (await Run("ls", merged)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2 * alone.Count, lines.Length);
        Assert.Equal(alone.Count, lines.Count(l => l.Contains(" node-b/orders-api(3100) ")));
        Assert.Equal(alone.Count, lines.Count(l => l.Contains(" fixture-host/orders-api(3100) ")));
        Assert.DoesNotContain("host/orders-api(", await Run("ls", Synthetic)); // one host: no prefix
        Assert.Contains(" orders-api(3100) ", await Run("ls", Synthetic));
        var json = (await Run("ls", merged, "--json")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(alone.Count, json.Count(l => JsonDocument.Parse(l).RootElement.GetProperty("host").GetString() == "node-b"));

        using var inspect = JsonDocument.Parse(await Run("inspect", merged, "--json"));
        var hosts = inspect.RootElement.GetProperty("hosts").EnumerateArray().Select(h => (h.GetProperty("name").GetString(), h.GetProperty("connections").GetInt64())).ToList();
        using var single = JsonDocument.Parse(await Run("inspect", Synthetic, "--json"));
        long connections = single.RootElement.GetProperty("connections").GetInt64();
        Assert.Equal([("fixture-host", connections), ("node-b", connections)], hosts);
    }

    [Fact]
    public async Task Replay_of_a_merged_file_keeps_each_hosts_connections_whole_and_in_order()
    {
        string nodeB = WithHost(Synthetic, "node-b");
        string merged = Path("fleet.tcap");
        await Run("merge", Synthetic, nodeB, "-o", merged);

        var alone = CapturePlanReader.Load(Synthetic);
        var plan = CapturePlanReader.Load(merged);
        Assert.Equal(2 * alone.Requests.Count, plan.Requests.Count);
        static Dictionary<string, List<string>> Lanes(ReplayPlan p, string prefix) => p.Requests
            .Where(r => r.ConnectionId!.StartsWith(prefix, StringComparison.Ordinal))
            .GroupBy(r => r.ConnectionId![prefix.Length..])
            .ToDictionary(g => (ulong.Parse(g.Key) & HostRecord.LocalIdMask).ToString(), g => g.OrderBy(r => r.Index).Select(r => $"{r.Method} {r.Url}").ToList());
        var expected = Lanes(alone, "fixture-host/");
        Assert.True(expected.Count > 1 && expected.Values.Any(l => l.Count > 1), "the fixture should have several connections of several requests");
        // Each host's connections are the recording's own, whole and in recorded order, and the hosts' are not the same keys.
        foreach (string host in new[] { "fixture-host/", "node-b/" })
        {
            var lanes = Lanes(plan, host);
            Assert.Equal(expected.Keys.Order(), lanes.Keys.Order());
            Assert.All(expected, lane => Assert.Equal(lane.Value, lanes[lane.Key]));
        }
        Assert.Equal(2 * expected.Count, plan.Requests.Select(r => r.ConnectionId).Distinct().Count());

        // A real replay of the merged file sends every request of both hosts, each connection's in order.
        var seen = new ConcurrentQueue<string>();
        await using var server = await KestrelTarget.StartAsync(async ctx =>
        {
            seen.Enqueue(ctx.Request.Path + ctx.Request.QueryString);
            await ctx.Response.WriteAsync("ok");
        });
        string report = Path("replay.json");
        var (code, _, stderr) = await CaptureProcess.RunAsync("replay", merged, "--target", server.BaseUri.ToString(), "--max", "--report", report);
        Assert.True(code is ExitCodes.Ok or ExitCodes.GateFailed, $"replay: exit {code}, {stderr}"); // answers differ from the recording: the gate may fail
        Assert.Equal(plan.Requests.Select(r => new Uri(r.Url).PathAndQuery).Order(), seen.Order());

        // Sharding splits by host-qualified connection: the two shards together hold every request once.
        var one = plan.ForShard(Shard.Parse("1/2")!.Value).Requests.Select(r => r.Index);
        var two = plan.ForShard(Shard.Parse("2/2")!.Value).Requests.Select(r => r.Index);
        Assert.Equal(plan.Requests.Select(r => r.Index).Order(), one.Concat(two).Order());
    }

    [Fact]
    public async Task Bad_inputs_and_outputs_give_one_sentence_and_their_exit_code()
    {
        string merged = Path("out.tcap");
        string notCapture = Path("notes.txt");
        File.WriteAllText(notCapture, "not a capture");
        string copy = Path("copy.tcap");
        File.Copy(Synthetic, copy);

        var cases = new (string[] Args, int Code, string Says)[]
        {
            (["merge", Synthetic, Path("missing.tcap"), "-o", merged], ExitCodes.BadInput, "missing.tcap"),
            (["merge", Synthetic, notCapture, "-o", merged], ExitCodes.BadInput, "notes.txt"),
            (["merge", Synthetic, copy, "-o", copy], ExitCodes.Usage, "is also an input"),
            (["merge", Synthetic, Kestrel, "-o", _dir], ExitCodes.Output, "directory"),
            (["merge", Synthetic, Kestrel], ExitCodes.Usage, "--output"),
        };
        foreach (var (args, expectedCode, says) in cases)
        {
            var (code, _, stderr) = await CaptureProcess.RunAsync(args);
            Assert.True(code == expectedCode, $"{string.Join(' ', args)}: exit {code}, expected {expectedCode}; {stderr}");
            Assert.Contains(says, stderr);
            Assert.DoesNotContain("   at ", stderr); // no stack trace
            Assert.False(File.Exists(merged), "a failed merge leaves no output");
        }
        Assert.Equal(File.ReadAllBytes(Synthetic), File.ReadAllBytes(copy)); // the input named as output is untouched
        Assert.Empty(Directory.EnumerateFiles(_dir, "*.partial", SearchOption.AllDirectories));
    }
}
