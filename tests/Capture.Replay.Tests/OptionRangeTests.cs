using Capture.Replay.Tests.Support;

namespace Capture.Replay.Tests;

/// <summary>Numbers from options of the conversion verbs: out of range is one sentence and exit 2, before any file is read or written.</summary>
public class OptionRangeTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("capture-ranges-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData("har", "--pid", "0")]
    [InlineData("har", "--pid", "-5")]
    [InlineData("pcap", "--pid", "0")]
    [InlineData("pcap", "--port", "70000")]
    [InlineData("pcap", "--mtu", "2000000000")]
    public async Task Out_of_range_numbers_are_usage_errors(string verb, string option, string value)
    {
        string capture = Path.Combine(TestReplay.RepoRoot(), "fixtures", "synthetic-api.tcap");
        string output = Path.Combine(_dir, "out");

        var (exit, stdout, stderr) = await CaptureProcess.RunAsync(verb, capture, "-o", output, option, value);

        Assert.Equal(2, exit);
        Assert.Equal("", stdout);
        Assert.Matches($@"^capture: {option} must be between -?\d+ and \d+, not {value}\.\n$", stderr.ReplaceLineEndings("\n"));
        Assert.False(File.Exists(output));
    }
}
