using System.Diagnostics;
using System.Text.Json;
using Capture.EndToEnd.Tests.Cli;
using Capture.Traffic.Har;
using Capture.Traffic.Tests.Har;

namespace Capture.EndToEnd.Tests;

/// <summary>`capture har` run as a user runs it, on the committed fixture capture; every HAR goes through har-validator.</summary>
public sealed class HarCommandTests : IDisposable
{
    private static string Fixture => Path.Combine(CaptureCli.RepositoryRoot, "fixtures", "synthetic-api.tcap");
    private readonly string _directory = Directory.CreateTempSubdirectory("capture-har-e2e-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private async Task<(HarLog Log, JsonElement Summary)> Convert(params string[] extra)
    {
        string output = Path.Combine(_directory, $"{Guid.NewGuid():N}.har");
        var result = await CaptureCli.RunAsync(["har", Fixture, "-o", output, "--json-summary", .. extra]);
        Assert.True(result.ExitCode == 0, result.Stderr);
        HarValidatorTool.AssertValid(output);
        using var summary = JsonDocument.Parse(result.Stdout);
        return (HarReader.Read(output), summary.RootElement.GetProperty("summary").Clone());
    }

    [Fact]
    public async Task Fixture_converts_to_a_valid_har_with_every_exchange_in_start_order()
    {
        var (log, summary) = await Convert();
        // The fixture is 90 keep-alive exchanges over 4 connections (see fixtures/README.md).
        Assert.Equal(90, log.Entries.Count);
        Assert.Equal(90, summary.GetProperty("written").GetInt32());
        Assert.Equal(4, log.Entries.Select(e => e.ConnectionId).Distinct().Count());
        Assert.True(log.Entries.Zip(log.Entries.Skip(1)).All(p => p.First.StartedDateTime <= p.Second.StartedDateTime));
        Assert.All(log.Entries, e =>
        {
            Assert.StartsWith("http://", e.Request.Url);
            Assert.InRange(e.Response.Status, 200, 299);
            Assert.False(e.Incomplete);
            Assert.Equal(e.Timings.Send + e.Timings.Wait + e.Timings.Receive, e.Time, 3);
        });
    }

    [Theory]
    [InlineData("--method", "POST")]
    [InlineData("--status", "201")]
    [InlineData("--status", "2xx")]
    [InlineData("--status", "404")]
    [InlineData("--path-prefix", "/api/v1/products")]
    [InlineData("--host", "orders-api.internal")]
    [InlineData("--host", "elsewhere.example")]
    public async Task Each_filter_keeps_exactly_the_matching_entries(string option, string value)
    {
        var (all, _) = await Convert();
        var (filtered, summary) = await Convert(option, value);
        Func<HarEntry, bool> expected = option switch
        {
            "--method" => e => e.Request.Method == value,
            "--status" when value.EndsWith("xx") => e => e.Response.Status / 100 == value[0] - '0',
            "--status" => e => e.Response.Status.ToString() == value,
            "--path-prefix" => e => new Uri(e.Request.Url).AbsolutePath.StartsWith(value, StringComparison.Ordinal),
            _ => e => new Uri(e.Request.Url).Host == value,
        };
        var want = all.Entries.Where(expected).Select(e => e.Request.Url + e.StartedDateTime.Ticks).ToList();
        Assert.Equal(want, filtered.Entries.Select(e => e.Request.Url + e.StartedDateTime.Ticks));
        Assert.Equal(all.Entries.Count - want.Count, summary.GetProperty("skippedByFilter").GetInt32());
    }

    [Fact]
    public async Task Redact_hides_credentials_and_named_fields_everywhere()
    {
        var (plain, _) = await Convert();
        Assert.Contains(plain.Entries, e => e.Request.Headers.Any(h => h.Name == "Authorization"));
        var (log, _) = await Convert("--redact", "--redact-name", "X-Request-Id", "--redact-name", "expand");
        Assert.All(log.Entries, e =>
        {
            Assert.All(e.Request.Headers.Where(h => h.Name is "Authorization" or "X-Request-Id"), h => Assert.Matches("^redacted:[0-9a-f]{16}$", h.Value));
            Assert.All(e.Request.QueryString.Where(q => q.Name == "expand"), q => Assert.Matches("^redacted:[0-9a-f]{16}$", q.Value));
            Assert.DoesNotContain("expand=customer", e.Request.Url);
        });
        string secret = plain.Entries.SelectMany(e => e.Request.Headers).First(h => h.Name == "Authorization").Value;
        Assert.DoesNotContain(log.Entries, e => JsonSerializer.Serialize(e).Contains(secret));
    }

    [Fact]
    public async Task Default_output_is_next_to_the_input_and_dash_writes_the_same_har_to_stdout()
    {
        string copy = Path.Combine(_directory, "w.tcap");
        File.Copy(Fixture, copy);
        var toFile = await CaptureCli.RunAsync("har", copy);
        Assert.Equal(0, toFile.ExitCode);
        Assert.Contains("Wrote 90 exchange(s)", toFile.Stderr);
        string defaultOutput = Path.Combine(_directory, "w.har");
        Assert.True(File.Exists(defaultOutput));

        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in (string[])[Path.Combine(AppContext.BaseDirectory, "capture.dll"), "har", copy, "-o", "-"])
            start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var piped = new MemoryStream();
        Task<string> stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.StandardOutput.BaseStream.CopyToAsync(piped, TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        Assert.Equal(0, process.ExitCode);
        Assert.Contains("to stdout", await stderr);
        Assert.Equal(await File.ReadAllBytesAsync(defaultOutput, TestContext.Current.CancellationToken), piped.ToArray());
    }

    [Fact]
    public async Task A_corrupt_capture_still_converts_every_intact_block_and_says_how_many_were_skipped()
    {
        byte[] bytes = await File.ReadAllBytesAsync(Fixture, TestContext.Current.CancellationToken);
        for (int i = bytes.Length / 2; i < bytes.Length / 2 + 64; i++)
            bytes[i] ^= 0x5A;
        string corrupt = Path.Combine(_directory, "corrupt.tcap");
        await File.WriteAllBytesAsync(corrupt, bytes, TestContext.Current.CancellationToken);
        string output = Path.Combine(_directory, "corrupt.har");

        var result = await CaptureCli.RunAsync("har", corrupt, "-o", output);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("corrupt block(s); every intact block was converted", result.Stderr);
        Assert.DoesNotContain("   at ", result.Stderr);
        HarValidatorTool.AssertValid(output);
        var entries = HarReader.Read(output).Entries;
        Assert.InRange(entries.Count, 1, 89);
        // Exchanges cut by the lost block are marked, never spliced into something that looks whole.
        Assert.All(entries.Where(e => e.Incomplete == false), e => Assert.True(e.Response.Status is 200 or 201));
    }

    [Theory]
    [InlineData(new[] { "har", "/nonexistent/x.tcap" }, 3, "not found")]
    [InlineData(new[] { "har", "/etc/passwd", "-o", "OUT" }, 3, "is not a capture file")]
    [InlineData(new[] { "har", "FIXTURE", "-o", "/nonexistent-dir/x.har" }, 5, "does not exist")]
    [InlineData(new[] { "har", "FIXTURE", "-o", "OUT", "--status", "abc" }, 2, "'abc' is not a status code")]
    [InlineData(new[] { "har", "FIXTURE", "-o", "FIXTURE" }, 2, "is the input")]
    public async Task Bad_input_or_usage_is_one_sentence_and_a_documented_exit_code(string[] args, int exitCode, string expected)
    {
        string output = Path.Combine(_directory, "out.har");
        string[] resolved = args.Select(a => a == "FIXTURE" ? Fixture : a == "OUT" ? output : a).ToArray();

        var result = await CaptureCli.RunAsync(resolved);

        Assert.Equal(exitCode, result.ExitCode);
        Assert.Contains(expected, result.Stderr);
        Assert.Single(result.Stderr.Trim().Split('\n'));
        Assert.DoesNotContain("   at ", result.Stderr);
        Assert.False(File.Exists(output));
        Assert.Empty(Directory.GetFiles(_directory, "*.partial"));
    }
}
