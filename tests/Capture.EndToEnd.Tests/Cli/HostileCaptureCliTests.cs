using System.Text.Json;
using Capture.EndToEnd.Tests.Infrastructure;
using Capture.Format;
using Capture.Fuzz.Tests;

namespace Capture.EndToEnd.Tests.Cli;

/// <summary>
/// Issue 10, item 4, as a user meets it: a crafted capture (a block with a valid checksum around a
/// hostile record) through inspect, har and pcap. Before the fix each verb died with a stack trace and
/// converted nothing; now each says one sentence and converts every intact block.
/// </summary>
public class HostileCaptureCliTests : IDisposable
{
    private readonly ScratchDirectory _dir = new();
    private static string Fixture => Path.Combine(CaptureCli.RepositoryRoot, "fixtures", "recorded", "demo-kestrel.tcap");

    /// <summary>A data record [3, 1, 1, direction 7, 0, bin(0), 0, 0]: direction 7 does not exist.</summary>
    private static readonly byte[] DirectionSeven = [0x98, 0x03, 0x01, 0x01, 0x07, 0x00, 0xC4, 0x00, 0x00, 0x00];

    private string Crafted()
    {
        var layout = CaptureLayout.Parse(File.ReadAllBytes(Fixture));
        layout.Blocks.Insert(layout.Blocks.Count / 2, CaptureLayout.Seal(DirectionSeven, 1, compress: true));
        string path = _dir.File("crafted.tcap");
        File.WriteAllBytes(path, layout.ToBytes());
        return path;
    }

    private static void AssertOneSentence(CaptureCli.Result result, string expected)
    {
        // Conversions also print what they wrote; the problem is the one "capture:" sentence.
        Assert.Equal([expected], result.Stderr.Split('\n').Where(line => line.StartsWith("capture:", StringComparison.Ordinal)));
        Assert.DoesNotContain("   at ", result.Stderr);
        Assert.DoesNotContain("Exception", result.Stderr);
    }

    [Fact]
    public async Task Inspect_counts_the_hostile_block_and_reads_every_other_one()
    {
        string crafted = Crafted();
        var result = await CaptureCli.RunAsync("inspect", "--json", crafted);
        Assert.Equal(0, result.ExitCode);
        AssertOneSentence(result, $"capture: {crafted} has 1 corrupt block(s); every intact block was read.");
        var clean = JsonDocument.Parse((await CaptureCli.RunAsync("inspect", "--json", Fixture)).Stdout).RootElement;
        var summary = JsonDocument.Parse(result.Stdout).RootElement;
        Assert.Equal(1, summary.GetProperty("corruptBlocks").GetInt32());
        Assert.Equal(clean.GetProperty("records").GetInt32(), summary.GetProperty("records").GetInt32());
    }

    [Fact]
    public async Task Har_converts_every_exchange_of_the_intact_blocks()
    {
        string crafted = Crafted(), output = _dir.File("out.har");
        var result = await CaptureCli.RunAsync("har", crafted, "-o", output);
        Assert.Equal(0, result.ExitCode);
        AssertOneSentence(result, $"capture: {crafted} has 1 corrupt block(s); every intact block was converted.");
        using var har = JsonDocument.Parse(File.ReadAllText(output));
        Assert.Equal(40, har.RootElement.GetProperty("log").GetProperty("entries").GetArrayLength()); // the fixture's 40 requests
    }

    [Fact]
    public async Task Pcap_exports_the_intact_blocks()
    {
        string crafted = Crafted(), output = _dir.File("out.pcapng");
        var result = await CaptureCli.RunAsync("pcap", crafted, "-o", output);
        Assert.Equal(0, result.ExitCode);
        AssertOneSentence(result, $"capture: {crafted} has 1 corrupt block(s); every intact block was converted.");
        Assert.True(new FileInfo(output).Length > 1000);
    }

    [Theory]
    [InlineData("inspect")]
    [InlineData("har")]
    [InlineData("pcap")]
    public async Task A_header_whose_clock_offset_is_out_of_range_is_refused_with_exit_3(string verb)
    {
        byte[] header = HeaderCodec.Encode(new CaptureHeader("h", "k", "r", long.MinValue, new Dictionary<string, string>()));
        var layout = CaptureLayout.Parse(File.ReadAllBytes(Fixture));
        string path = _dir.File("bad-header.tcap");
        File.WriteAllBytes(path, [.. header, .. layout.Blocks.SelectMany(b => b)]);
        var result = verb == "inspect" ? await CaptureCli.RunAsync(verb, path) : await CaptureCli.RunAsync(verb, path, "-o", _dir.File("out"));
        Assert.Equal(3, result.ExitCode);
        AssertOneSentence(result, $"capture: {path} has a corrupt header (its clock offset is out of range).");
    }

    public void Dispose() => _dir.Dispose();
}
