using System.Globalization;
using System.Text;
using System.Text.Json;
using Capture.EndToEnd.Tests.Cli;
using Capture.EndToEnd.Tests.Infrastructure;
using Capture.Format.Records;

namespace Capture.EndToEnd.Tests;

/// <summary>
/// What the socket data path (tp_btf/sock_send_length and sock_recv_length) sees that syscall tracepoints
/// do not: a read already blocked when recording began, sendmmsg/recvmmsg, and io_uring sends (as exact gaps).
/// On the syscall path (CAPTURE_DATA_PATH=syscall) the same tests assert that path's documented limits.
/// </summary>
public class RecordSocketPathTests
{
    private static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);

    private static string Get(string path, int port, bool close = false) =>
        $"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{Port(port)}\r\n" + (close ? "Connection: close\r\n" : "") + "\r\n";

    [Fact]
    public async Task A_read_blocked_on_an_idle_keep_alive_connection_before_recording_gives_its_next_two_requests_whole()
    {
        BpfRequirement.Ensure();
        var ct = TestContext.Current.CancellationToken;
        using var server = await PythonHttpServer.StartAsync();
        using var client = server.KeepAliveClient();
        // One request before recording: the server's thread for this connection then waits in read().
        Assert.Equal(PythonHttpServer.Pattern(100), await client.GetByteArrayAsync("bytes/100", ct));
        await Task.Delay(200, ct);

        using var recording = await RecordingSession.StartAsync("--pid", Port(server.Pid));
        Assert.Equal(PythonHttpServer.Pattern(201), await client.GetByteArrayAsync("bytes/201", ct));
        Assert.Equal(PythonHttpServer.Pattern(302), await client.GetByteArrayAsync("bytes/302", ct));
        var result = await recording.StopAsync();

        using var har = HarOfCapture.Convert(result.CapturePath);
        var urls = har.Entries.Select(HarOfCapture.Url).ToList();
        if (RecordingSession.OnSyscallPath)
        {
            // The syscall path's known limit: the read's buffer was passed before the programs were attached.
            Assert.DoesNotContain(urls, u => u.EndsWith("/bytes/201", StringComparison.Ordinal));
            Assert.Contains(urls, u => u.EndsWith("/bytes/302", StringComparison.Ordinal));
            return;
        }
        Assert.Equal([new Uri(server.BaseAddress, "bytes/201").ToString(), new Uri(server.BaseAddress, "bytes/302").ToString()], urls);
        Assert.Equal(PythonHttpServer.Pattern(201), HarOfCapture.ResponseBody(har.Entries[0]));
        Assert.Equal(PythonHttpServer.Pattern(302), HarOfCapture.ResponseBody(har.Entries[1]));
        var serverEnd = Assert.Single(result.Read().OfProcess(server.Pid));
        Assert.Equal(ConnectionSource.AlreadyOpen, serverEnd.Opened.Source);
        Assert.StartsWith("GET /bytes/201 HTTP/1.1\r\n", serverEnd.IngressText);
    }

    [Fact]
    public async Task Requests_sent_with_one_sendmmsg_and_answers_read_with_recvmmsg_are_recorded_whole()
    {
        BpfRequirement.Ensure();
        using var server = await PythonHttpServer.StartAsync();
        using var recording = await RecordingSession.StartAsync("--comm", "mmsg_client");
        var client = await NativeClient.RunAsync("mmsg_client", server.Port, "/bytes/201", "/bytes/302");
        var result = await recording.StopAsync();
        var capture = result.Read();

        if (RecordingSession.OnSyscallPath)
        {
            Assert.Empty(capture.Connections); // the syscall path does not trace sendmmsg/recvmmsg (documented)
            return;
        }
        var clientEnd = Assert.Single(capture.OfProcess(client.Pid));
        Assert.Equal(ConnectionRole.Client, clientEnd.Opened.Role);
        Assert.Equal(ConnectionSource.Connect, clientEnd.Opened.Source);
        Assert.Equal(Get("/bytes/201", server.Port) + Get("/bytes/302", server.Port, close: true), clientEnd.EgressText);
        Assert.Equal(client.Answers, clientEnd.Ingress);
        Assert.Empty(capture.Losses);

        using var har = HarOfCapture.Convert(result.CapturePath);
        Assert.Equal(2, har.Entries.Count);
        Assert.Equal(PythonHttpServer.Pattern(201), HarOfCapture.ResponseBody(har.Entries[0]));
        Assert.Equal(PythonHttpServer.Pattern(302), HarOfCapture.ResponseBody(har.Entries[1]));
        Assert.All(har.Entries, e => Assert.Equal(client.Pid, e.GetProperty("_pid").GetInt32()));
    }

    [Fact]
    public async Task A_request_sent_through_io_uring_is_an_exact_gap_counted_by_inspect()
    {
        BpfRequirement.Ensure();
        Assert.SkipWhen(File.Exists("/proc/sys/kernel/io_uring_disabled") && File.ReadAllText("/proc/sys/kernel/io_uring_disabled").Trim() == "2",
            "io_uring is disabled on this kernel (kernel.io_uring_disabled=2)");
        using var server = await PythonHttpServer.StartAsync();
        using var recording = await RecordingSession.StartAsync("--comm", "uring_client");
        var client = await NativeClient.RunAsync("uring_client", server.Port, "/bytes/201", "/bytes/302");
        var result = await recording.StopAsync();
        var capture = result.Read();

        var clientEnd = Assert.Single(capture.OfProcess(client.Pid));
        string first = Get("/bytes/201", server.Port), second = Get("/bytes/302", server.Port, close: true);
        Assert.Equal(client.Answers, clientEnd.Ingress); // read() with a user buffer: whole
        var egress = clientEnd.Data.Where(d => d.Direction == Direction.Egress).OrderBy(d => d.StreamOffset).ToList();
        var inspect = await CaptureCli.RunAsync("inspect", "--json", result.CapturePath);
        Assert.Equal(0, inspect.ExitCode);
        using var summary = JsonDocument.Parse(inspect.Stdout);
        Assert.Equal(RecordingSession.ExpectedDataPath, summary.RootElement.GetProperty("dataPath").GetString());
        if (RecordingSession.OnSyscallPath)
        {
            // No syscall tracepoint fires for io_uring: its bytes are not seen at all (documented limit of that path).
            Assert.Equal(first, Encoding.ASCII.GetString(Assert.Single(egress).Payload.Span));
            Assert.Equal(0, summary.RootElement.GetProperty("noBufferGaps").GetInt32());
            return;
        }
        Assert.Equal(2, egress.Count);
        Assert.Equal(first, Encoding.ASCII.GetString(egress[0].Payload.Span));
        var gap = egress[1];
        Assert.Equal((ulong)first.Length, gap.StreamOffset);
        Assert.Equal(0, gap.Payload.Length);
        Assert.Equal((ulong)second.Length, gap.CutBytes);
        Assert.Equal(DataFlags.Unrecoverable | DataFlags.NoUserBuffer, gap.Flags);
        Assert.Equal(1, summary.RootElement.GetProperty("noBufferGaps").GetInt32());
        Assert.Equal(second.Length, summary.RootElement.GetProperty("noBufferBytes").GetInt32());
        Assert.Equal(1, result.Summary.GetProperty("noBufferGaps").GetInt32());
        Assert.Empty(capture.Losses);
    }
}
