using System.Text.Json;

namespace Capture.EndToEnd.Tests.Cli;

public class InspectCommandTests
{
    private static string Fixture => Path.Combine(CaptureCli.RepositoryRoot, "fixtures", "synthetic-api.tcap");

    [Fact]
    public async Task Json_summary_of_a_clean_fixture_has_every_documented_key()
    {
        var result = await CaptureCli.RunAsync("inspect", "--json", Fixture);
        Assert.Equal(0, result.ExitCode);
        using var json = JsonDocument.Parse(result.Stdout);
        var root = json.RootElement;
        foreach (string key in new[] { "formatVersion", "cleanClose", "blocks", "corruptBlocks", "records", "connections",
                     "dataEvents", "dataBytes", "lostEvents", "firstTimestamp", "lastTimestamp", "processes" })
            Assert.True(root.TryGetProperty(key, out _), $"missing key {key}");
        Assert.True(root.GetProperty("cleanClose").GetBoolean());
        Assert.Equal("1.0", root.GetProperty("formatVersion").GetString());
        Assert.Equal(4, root.GetProperty("connections").GetInt32());
        Assert.EndsWith("Z", root.GetProperty("firstTimestamp").GetString());
        Assert.Equal("orders-api", root.GetProperty("processes")[0].GetProperty("name").GetString());
    }

    [Fact]
    public async Task A_truncated_copy_reads_fewer_blocks_without_a_clean_close()
    {
        byte[] bytes = await File.ReadAllBytesAsync(Fixture, TestContext.Current.CancellationToken);
        string cut = Path.Combine(Path.GetTempPath(), $"cut-{Guid.NewGuid():N}.tcap");
        await File.WriteAllBytesAsync(cut, bytes[..(bytes.Length * 2 / 3)], TestContext.Current.CancellationToken);
        try
        {
            var full = JsonDocument.Parse((await CaptureCli.RunAsync("inspect", "--json", Fixture)).Stdout).RootElement;
            var result = await CaptureCli.RunAsync("inspect", "--json", cut);
            Assert.Equal(0, result.ExitCode);
            var partial = JsonDocument.Parse(result.Stdout).RootElement;
            Assert.False(partial.GetProperty("cleanClose").GetBoolean());
            Assert.InRange(partial.GetProperty("blocks").GetInt32(), 1, full.GetProperty("blocks").GetInt32() - 1);
            Assert.Equal(0, partial.GetProperty("corruptBlocks").GetInt32());
        }
        finally
        {
            File.Delete(cut);
        }
    }

    [Theory]
    [InlineData("/etc/passwd", "/etc/passwd is not a capture file.")]
    [InlineData("/nonexistent/x.tcap", "not found")]
    public async Task Unreadable_input_exits_3_with_one_sentence(string path, string expected)
    {
        var result = await CaptureCli.RunAsync("inspect", path);
        Assert.Equal(3, result.ExitCode);
        Assert.Contains(expected, result.Stderr);
        Assert.Single(result.Stderr.Trim().Split('\n'));
        Assert.DoesNotContain("   at ", result.Stderr);
    }

    [Fact]
    public async Task A_usage_error_exits_2()
    {
        var result = await CaptureCli.RunAsync("inspect", Fixture, "--no-such-option");
        Assert.Equal(2, result.ExitCode);
    }
}
