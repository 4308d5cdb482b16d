using System.Globalization;
using System.Text.Json;
using Capture.EndToEnd.Tests.Cli;
using Capture.EndToEnd.Tests.Infrastructure;

namespace Capture.EndToEnd.Tests;

/// <summary>Real traffic all the way: curl against python's http.server, recorded with eBPF, converted, read by tshark.</summary>
public sealed class PcapRecordingTests
{
    [Fact]
    public async Task Recorded_curl_traffic_reads_in_tshark_as_the_requests_curl_made()
    {
        BpfRequirement.Ensure();
        using var server = await PythonHttpServer.StartAsync();
        await File.WriteAllTextAsync(Path.Combine(server.Directory, "hello.txt"), "hello from python\n", TestContext.Current.CancellationToken);
        using var scratch = new ScratchDirectory();
        await File.WriteAllBytesAsync(scratch.File("body.bin"), PythonHttpServer.Pattern(3000), TestContext.Current.CancellationToken);
        string port = server.Port.ToString(CultureInfo.InvariantCulture);

        using var recording = await RecordingSession.StartAsync("--port", port);
        var get = await Curl.RunAsync(new Uri(server.BaseAddress, "hello.txt").ToString());
        var post = await Curl.RunAsync("-H", "Expect:", "--data-binary", "@" + scratch.File("body.bin"), new Uri(server.BaseAddress, "echo").ToString());
        var large = await Curl.RunAsync(new Uri(server.BaseAddress, "bytes/200000").ToString());
        var recorded = await recording.StopAsync();

        string pcap = scratch.File("w.pcapng");
        var result = await CaptureCli.RunAsync("pcap", recorded.CapturePath, "-o", pcap, "--json");
        Assert.True(result.ExitCode == 0, result.Stderr);
        using var summary = JsonDocument.Parse(result.Stdout);
        // Both ends of each connection were recorded (curl and python); each connection is written once.
        Assert.Equal(3, summary.RootElement.GetProperty("connections").GetInt32());
        Assert.Equal(3, summary.RootElement.GetProperty("twinConnectionsSkipped").GetInt32());

        // The server's port is not one Wireshark maps to HTTP, so say it, as a user would with -d.
        string[] decodeAs = ["-d", $"tcp.port=={port},http"];
        PcapTshark.AssertCleanDissection(pcap, null, decodeAs);
        var requests = PcapTshark.Fields(pcap, "http.request", decodeAs, "http.request.method", "http.request.uri", "tcp.dstport");
        Assert.Equal([["GET", "/hello.txt", port], ["POST", "/echo", port], ["GET", "/bytes/200000", port]], requests);
        var responses = PcapTshark.Fields(pcap, "http.response", decodeAs, "http.response.code", "http.content_length", "tcp.srcport");
        Assert.Equal([["200", "18", port], ["200", "3000", port], ["200", "200000", port]], responses);
        Assert.Empty(PcapTshark.Fields(pcap, "tcp.analysis.flags && !tcp.analysis.window_update", decodeAs, "frame.number"));

        // Every packet names the process whose recording it came from: curl for the client view, python for the server view.
        var comments = PcapTshark.Fields(pcap, "http.request", decodeAs, "frame.comment").Select(r => r[0]).ToList();
        int[] pids = [get.Pid, post.Pid, large.Pid];
        Assert.All(comments, c => Assert.True(
            pids.Any(pid => c.StartsWith($"pid {pid} (curl)", StringComparison.Ordinal)) || c.StartsWith($"pid {server.Pid} (python3)", StringComparison.Ordinal),
            $"unexpected comment {c}"));
    }

    [Fact]
    public async Task Recorded_ipv6_traffic_keeps_its_addresses()
    {
        BpfRequirement.Ensure();
        using var scratch = new ScratchDirectory();
        Directory.CreateDirectory(scratch.File("www"));
        await File.WriteAllTextAsync(scratch.File("www/a.txt"), "over IPv6\n", TestContext.Current.CancellationToken);
        int serverPort = FreePort.Next();
        string port = serverPort.ToString(CultureInfo.InvariantCulture);
        using var server = ChildProcess.Start("python3", ["-u", "-m", "http.server", "--bind", "::1", "--directory", scratch.File("www"), port]);
        await server.WaitForLineAsync("Serving HTTP", TimeSpan.FromSeconds(30));

        using var recording = await RecordingSession.StartAsync("--port", port);
        await Curl.RunAsync("-g", $"http://[::1]:{port}/a.txt");
        await Curl.RunAsync("-g", $"http://[::1]:{port}/?listing=1");
        var recorded = await recording.StopAsync();

        string pcap = scratch.File("v6.pcapng");
        var result = await CaptureCli.RunAsync("pcap", recorded.CapturePath, "-o", pcap);
        Assert.True(result.ExitCode == 0, result.Stderr);

        string[] decodeAs = ["-d", $"tcp.port=={port},http"];
        PcapTshark.AssertCleanDissection(pcap, null, decodeAs);
        Assert.Empty(PcapTshark.Fields(pcap, "ip", decodeAs, "frame.number"));
        Assert.Equal([["GET", "/a.txt", "::1", "::1"], ["GET", "/?listing=1", "::1", "::1"]],
            PcapTshark.Fields(pcap, "http.request", decodeAs, "http.request.method", "http.request.uri", "ipv6.src", "ipv6.dst"));
        Assert.Equal([["200"], ["200"]], PcapTshark.Fields(pcap, "http.response", decodeAs, "http.response.code"));
        Assert.Equal(2, PcapTshark.Fields(pcap, "tcp.flags.syn == 1 && tcp.flags.ack == 0", decodeAs, "tcp.srcport").Count);
    }
}
