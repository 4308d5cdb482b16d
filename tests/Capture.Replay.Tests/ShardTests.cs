using Capture.Replay.Input;
using Capture.Replay.Tests.Support;

namespace Capture.Replay.Tests;

/// <summary>--shard K/N: every recorded connection lands whole, in order, in exactly one shard.</summary>
public class ShardTests
{
    static string Fixture(params string[] path) => Path.Combine([TestReplay.RepoRoot(), "fixtures", .. path]);

    /// <summary>A HAR with 15 keep-alive connections of 4 requests and 10 requests recorded without a connection id.</summary>
    static ReplayPlan HarPlan()
    {
        var har = new HarBuilder();
        for (int i = 0; i < 70; i++)
            har.Add("GET", $"http://prod/item/{i}", atMs: i, connection: i < 60 ? $"c{i % 15}" : null);
        return har.ToPlan();
    }

    public static TheoryData<string, int> Inputs => new()
    {
        { "har", 1 }, { "har", 2 }, { "har", 4 }, { "har", 7 }, { "har", 100 },
        { "synthetic-api.tcap", 4 }, { "synthetic-api.tcap", 3 }, { "demo-kestrel.tcap", 4 },
    };

    static ReplayPlan Load(string input) => input switch
    {
        "har" => HarPlan(),
        "synthetic-api.tcap" => new PlanFilter().Load(Fixture("synthetic-api.tcap")),
        _ => new PlanFilter().Load(Fixture("recorded", input)),
    };

    [Theory]
    [MemberData(nameof(Inputs))]
    public void Shards_together_hold_every_request_once_and_each_connection_whole_and_in_order(string input, int count)
    {
        var full = Load(input);
        var shards = Enumerable.Range(1, count).Select(k => full.ForShard(new Shard(k, count))).ToList();

        // The union is the plan, without duplicates.
        var union = shards.SelectMany(s => s.Requests).Select(r => r.Index).Order().ToList();
        Assert.Equal(full.Requests.Select(r => r.Index).Order(), union);

        // Each connection in one shard only, with its requests in recorded order.
        var connections = full.Requests.Where(r => r.ConnectionId is not null).GroupBy(r => r.ConnectionId!).ToList();
        Assert.True(connections.Count >= 4, $"the input should have several connections, not {connections.Count}");
        foreach (var connection in connections)
        {
            var holders = shards.Where(s => s.Requests.Any(r => r.ConnectionId == connection.Key)).ToList();
            var holder = Assert.Single(holders);
            Assert.Equal(connection.Select(r => r.Index), holder.Requests.Where(r => r.ConnectionId == connection.Key).Select(r => r.Index));
        }
        foreach (var shard in shards)
        {
            Assert.Equal(full.InputSha256, shard.InputSha256);
            Assert.Equal(full.Filtered, shard.Filtered); // another shard's connections are not "filtered"
        }
    }

    [Fact]
    public void Four_shards_each_get_a_share_and_the_same_shard_is_chosen_every_time()
    {
        var full = HarPlan();
        var sizes = Enumerable.Range(1, 4).Select(k => full.ForShard(new Shard(k, 4)).Requests.Count).ToList();
        Assert.All(sizes, n => Assert.InRange(n, 1, full.Requests.Count - 1));
        var again = HarPlan().ForShard(new Shard(2, 4)).Requests.Select(r => r.Index);
        Assert.Equal(full.ForShard(new Shard(2, 4)).Requests.Select(r => r.Index), again);
    }

    [Fact]
    public void Requests_without_a_connection_are_spread_one_by_one()
    {
        var har = new HarBuilder();
        for (int i = 0; i < 40; i++)
            har.Add("GET", $"http://prod/lone/{i}", atMs: i);
        var plan = har.ToPlan();
        var sizes = Enumerable.Range(1, 4).Select(k => plan.ForShard(new Shard(k, 4)).Requests.Count).ToList();
        Assert.Equal(40, sizes.Sum());
        Assert.All(sizes, n => Assert.InRange(n, 1, 39)); // not all in one shard
    }

    [Theory]
    [InlineData("1/1", 1, 1)]
    [InlineData("3/4", 3, 4)]
    [InlineData(" 10000/10000 ", 10000, 10000)]
    public void Good_shard_arguments_parse(string text, int index, int count) =>
        Assert.Equal(new Shard(index, count), Shard.Parse(text));

    [Theory]
    [InlineData("0/4")]
    [InlineData("5/4")]
    [InlineData("1/0")]
    [InlineData("-1/4")]
    [InlineData("+1/4")]
    [InlineData("1/10001")]
    [InlineData("1/4/2")]
    [InlineData("a/b")]
    [InlineData("4")]
    [InlineData("")]
    [InlineData("99999999999/99999999999")]
    public void Bad_shard_arguments_do_not_parse(string text) => Assert.Null(Shard.Parse(text));
}
