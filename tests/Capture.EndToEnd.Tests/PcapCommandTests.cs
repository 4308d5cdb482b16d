using System.Diagnostics;
using System.Text.Json;
using Capture.Tests.Shared;
using Capture.EndToEnd.Tests.Cli;

namespace Capture.EndToEnd.Tests;

/// <summary>`capture pcap` run as a user runs it, its output read by the real tshark.</summary>
public sealed class PcapCommandTests : IDisposable
{
    private static string Fixture => Path.Combine(CaptureCli.RepositoryRoot, "fixtures", "synthetic-api.tcap");
    private readonly string _directory = Directory.CreateTempSubdirectory("capture-pcap-e2e-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Fixture_converts_and_tshark_lists_every_recorded_exchange()
    {
        string output = Path.Combine(_directory, "w.pcapng");
        var result = await CaptureCli.RunAsync("pcap", Fixture, "-o", output, "--json");

        Assert.Equal(0, result.ExitCode);
        using var summary = JsonDocument.Parse(result.Stdout);
        Assert.Equal(4, summary.RootElement.GetProperty("connections").GetInt32());
        Assert.Equal(0, summary.RootElement.GetProperty("gaps").GetInt32());
        // The fixture is 90 keep-alive exchanges over 4 connections (see fixtures/README.md).
        var requests = PcapTshark.Fields(output, "http.request", "tcp.stream", "http.request.method", "http.request.uri");
        Assert.Equal(90, requests.Count);
        Assert.Equal(4, requests.Select(r => r[0]).Distinct().Count());
        Assert.All(requests, r => Assert.StartsWith("/", r[2]));
        Assert.Equal(90, PcapTshark.Fields(output, "http.response", "http.response.code").Count);
        PcapTshark.AssertCleanDissection(output);
        Assert.Empty(Directory.GetFiles(_directory, "*.partial"));
    }

    [Fact]
    public async Task Default_output_is_next_to_the_input_and_stdout_output_pipes_into_tshark()
    {
        string copy = Path.Combine(_directory, "w.tcap");
        File.Copy(Fixture, copy);
        var toFile = await CaptureCli.RunAsync("pcap", copy);
        Assert.Equal(0, toFile.ExitCode);
        Assert.Contains("Wrote ", toFile.Stderr);
        Assert.True(File.Exists(Path.Combine(_directory, "w.pcapng")));

        // -o - writes the same bytes to stdout, for `capture pcap w.tcap -o - | wireshark -k -i -`.
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in (string[])[Path.Combine(AppContext.BaseDirectory, "capture.dll"), "pcap", copy, "-o", "-"])
            start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var piped = new MemoryStream();
        Task<string> stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.StandardOutput.BaseStream.CopyToAsync(piped, TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        Assert.Equal(0, process.ExitCode);
        Assert.Contains("to stdout", await stderr);
        Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(_directory, "w.pcapng"), TestContext.Current.CancellationToken), piped.ToArray());
    }

    [Theory]
    [InlineData("--method", "POST", 3)]
    [InlineData("--status", "201", 3)]
    [InlineData("--status", "404", 0)]
    [InlineData("--path-prefix", "/api/v1/", 4)]
    [InlineData("--connection", "1", 1)]
    [InlineData("--port", "1", 0)]
    public async Task Filters_select_whole_connections(string option, string value, int connections)
    {
        string output = Path.Combine(_directory, "f.pcapng");
        var result = await CaptureCli.RunAsync("pcap", Fixture, "-o", output, option, value, "--json");

        Assert.Equal(0, result.ExitCode);
        using var summary = JsonDocument.Parse(result.Stdout);
        Assert.Equal(connections, summary.RootElement.GetProperty("connections").GetInt32());
        Assert.Equal(connections, PcapTshark.Fields(output, "tcp.flags.syn == 1 && tcp.flags.ack == 0", "tcp.stream").Count);
    }

    [Fact]
    public async Task A_corrupt_capture_still_converts_every_intact_block()
    {
        byte[] bytes = await File.ReadAllBytesAsync(Fixture, TestContext.Current.CancellationToken);
        for (int i = bytes.Length / 2; i < bytes.Length / 2 + 64; i++)
            bytes[i] ^= 0x5A;
        string corrupt = Path.Combine(_directory, "corrupt.tcap");
        await File.WriteAllBytesAsync(corrupt, bytes, TestContext.Current.CancellationToken);
        string output = Path.Combine(_directory, "corrupt.pcapng");

        var result = await CaptureCli.RunAsync("pcap", corrupt, "-o", output, "--json");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("corrupt block(s); every intact block was converted", result.Stderr);
        Assert.DoesNotContain("   at ", result.Stderr);
        using var summary = JsonDocument.Parse(result.Stdout);
        Assert.True(summary.RootElement.GetProperty("corruptBlocks").GetInt32() >= 1);
        int requests = PcapTshark.Fields(output, "http.request", "frame.number").Count;
        Assert.InRange(requests, 1, 89);
        // Data lost with the corrupt block shows as holes in the streams, never as spliced bytes.
        PcapTshark.AssertCleanDissection(output, allowedWarnings: "tcp.analysis.lost_segment || tcp.analysis.ack_lost_segment");
    }

    [Theory]
    [InlineData(new[] { "pcap", "/nonexistent/x.tcap" }, 3, "not found")]
    [InlineData(new[] { "pcap", "/etc/passwd", "-o", "OUT" }, 3, "is not a capture file")]
    [InlineData(new[] { "pcap", "FIXTURE", "-o", "/nonexistent-dir/x.pcapng" }, 5, "does not exist")]
    [InlineData(new[] { "pcap", "FIXTURE", "-o", "OUT", "--mtu", "10" }, 2, "--mtu must be between")]
    [InlineData(new[] { "pcap", "FIXTURE", "-o", "OUT", "--status", "abc" }, 2, "abc")]
    [InlineData(new[] { "pcap", "FIXTURE", "-o", "-", "--json" }, 2, "--json")]
    [InlineData(new[] { "pcap", "FIXTURE", "-o", "FIXTURE" }, 2, "is the input")]
    public async Task Bad_input_or_usage_is_one_sentence_and_a_documented_exit_code(string[] args, int exitCode, string expected)
    {
        string output = Path.Combine(_directory, "out.pcapng");
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

/// <summary>The real tshark for the end-to-end tests; skips without it unless CAPTURE_REQUIRE_TOOLS=1.</summary>
internal static class PcapTshark
{
    private const long WarningSeverity = 0x0060_0000;

    public static List<string[]> Fields(string pcap, string? filter, params string[] fields) => Fields(pcap, filter, [], fields);

    public static List<string[]> Fields(string pcap, string? filter, string[] extra, params string[] fields)
    {
        string tshark = Find();
        var start = new ProcessStartInfo(tshark) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in (string[])["-n", "-r", pcap, "-o", "tcp.check_checksum:TRUE", "-o", "ip.check_checksum:TRUE",
                     "-T", "fields", "-E", "separator=\t", "-E", "occurrence=a", "-E", "aggregator=,", .. extra])
            start.ArgumentList.Add(a);
        if (filter is not null)
        {
            start.ArgumentList.Add("-Y");
            start.ArgumentList.Add(filter);
        }
        foreach (string field in fields)
        {
            start.ArgumentList.Add("-e");
            start.ArgumentList.Add(field);
        }
        using var process = Process.Start(start)!;
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        string errors = string.Join('\n', stderr.Result.Split('\n').Where(l => l.Length > 0 && !l.Contains("This could be dangerous")));
        Assert.True(process.ExitCode == 0 && errors.Length == 0, $"tshark exited {process.ExitCode}: {errors}");
        return stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split('\t')).ToList();
    }

    /// <summary>Good IPv4 and TCP checksums everywhere, nothing malformed, no warning outside <paramref name="allowedWarnings"/>.</summary>
    public static void AssertCleanDissection(string pcap, string? allowedWarnings = null, params string[] extra)
    {
        Assert.Empty(Fields(pcap, "_ws.malformed", extra, "frame.number"));
        var allowed = allowedWarnings is null ? [] : Fields(pcap, allowedWarnings, extra, "frame.number").Select(r => r[0]).ToHashSet();
        foreach (string[] row in Fields(pcap, null, extra, "frame.number", "ip.version", "ip.checksum.status", "tcp.checksum.status", "_ws.expert.severity"))
        {
            if (row[1] == "4")
                Assert.True(row[2] == "1", $"frame {row[0]}: IPv4 checksum status {row[2]}");
            Assert.True(row[3] == "1", $"frame {row[0]}: TCP checksum status {row[3]}");
            long worst = row[4].Split(',', StringSplitOptions.RemoveEmptyEntries).Select(long.Parse).DefaultIfEmpty(0).Max();
            Assert.True(worst < WarningSeverity || allowed.Contains(row[0]), $"frame {row[0]}: expert info of severity 0x{worst:x}");
        }
    }

    private static string Find() => ToolRequirement.Find("tshark", "apt-get install tshark");
}
