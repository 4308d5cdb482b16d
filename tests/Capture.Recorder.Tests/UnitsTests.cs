namespace Capture.Recorder.Tests;

public class UnitsTests
{
    [Theory]
    [InlineData("30s", 30_000)]
    [InlineData("500ms", 500)]
    [InlineData("5m", 300_000)]
    [InlineData("2h", 7_200_000)]
    [InlineData("1.5s", 1_500)]
    [InlineData("10", 10_000)]
    public void Durations_parse(string text, long milliseconds)
    {
        Assert.True(Units.TryParseDuration(text, out var d));
        Assert.Equal(milliseconds, (long)d.TotalMilliseconds);
    }

    [Theory]
    [InlineData("")]
    [InlineData("soon")]
    [InlineData("-5s")]
    [InlineData("0s")]
    [InlineData("5x")]
    public void Bad_durations_are_refused(string text) => Assert.False(Units.TryParseDuration(text, out _));

    [Theory]
    [InlineData("4096", 4096)]
    [InlineData("64KiB", 65_536)]
    [InlineData("1GiB", 1L << 30)]
    [InlineData("8MiB", 8L << 20)]
    [InlineData("10MB", 10_000_000)]
    [InlineData("2k", 2048)]
    public void Sizes_parse(string text, long bytes)
    {
        Assert.True(Units.TryParseSize(text, out long parsed));
        Assert.Equal(bytes, parsed);
    }

    [Theory]
    [InlineData("big")]
    [InlineData("0")]
    [InlineData("-1MiB")]
    [InlineData("1XB")]
    public void Bad_sizes_are_refused(string text) => Assert.False(Units.TryParseSize(text, out _));
}
