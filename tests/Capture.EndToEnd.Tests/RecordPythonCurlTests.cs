using System.Globalization;
using System.Text;
using Capture.EndToEnd.Tests.Infrastructure;
using Capture.Format.Records;

namespace Capture.EndToEnd.Tests;

/// <summary>`capture record` against a real Python http.server and the real curl binary.</summary>
public class RecordPythonCurlTests
{
    private static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);

    [Fact]
    public async Task Get_and_post_are_recorded_byte_for_byte_on_both_ends()
    {
        BpfRequirement.Ensure();
        using var server = await PythonHttpServer.StartAsync();
        await File.WriteAllTextAsync(Path.Combine(server.Directory, "hello.txt"), "hello from python\n", TestContext.Current.CancellationToken);
        using var scratch = new ScratchDirectory();
        byte[] postBody = PythonHttpServer.Pattern(3000);
        await File.WriteAllBytesAsync(scratch.File("body.bin"), postBody, TestContext.Current.CancellationToken);

        using var recording = await RecordingSession.StartAsync("--port", Port(server.Port));
        var getUrl = new Uri(server.BaseAddress, "hello.txt");
        var get = await Curl.RunAsync("-D", scratch.File("get.headers"), getUrl.ToString());
        var postUrl = new Uri(server.BaseAddress, "echo");
        var post = await Curl.RunAsync("-D", scratch.File("post.headers"), "-H", "Expect:", "-H", "Content-Type: application/octet-stream",
            "--data-binary", "@" + scratch.File("body.bin"), postUrl.ToString());
        var result = await recording.StopAsync();
        var capture = result.Read();

        // The client ends: exactly what curl sent, and exactly the headers and body curl received.
        var getClient = Assert.Single(capture.OfProcess(get.Pid));
        Assert.Equal(ConnectionRole.Client, getClient.Opened.Role);
        Assert.Equal(ConnectionSource.Connect, getClient.Opened.Source);
        Assert.Equal(server.Port, getClient.Remote?.Port);
        Assert.Equal(Curl.ExpectedGet(getUrl), getClient.EgressText);
        Assert.Equal(Concat(await File.ReadAllBytesAsync(scratch.File("get.headers"), TestContext.Current.CancellationToken), get.Stdout), getClient.Ingress);
        Assert.Equal("hello from python\n", Encoding.ASCII.GetString(get.Stdout));

        var postClient = Assert.Single(capture.OfProcess(post.Pid));
        string expectedPostHead = $"POST /echo HTTP/1.1\r\nHost: {postUrl.Authority}\r\nUser-Agent: {Curl.UserAgent}\r\nAccept: */*\r\n" +
                                  $"Content-Type: application/octet-stream\r\nContent-Length: {postBody.Length}\r\n\r\n";
        Assert.Equal(Concat(Encoding.ASCII.GetBytes(expectedPostHead), postBody), postClient.Egress);
        Assert.Equal(Concat(await File.ReadAllBytesAsync(scratch.File("post.headers"), TestContext.Current.CancellationToken), post.Stdout), postClient.Ingress);
        Assert.Equal(postBody, post.Stdout);

        // The server ends, recorded from other syscalls in another process, hold the same bytes mirrored.
        foreach (var client in new[] { getClient, postClient })
        {
            var serverEnd = Assert.Single(capture.ServersOn(server.Port), s => s.Remote?.Port == client.Local?.Port);
            Assert.Equal(server.Pid, serverEnd.Opened.Pid);
            Assert.Equal(ConnectionRole.Server, serverEnd.Opened.Role);
            Assert.Equal(ConnectionSource.Accept, serverEnd.Opened.Source);
            Assert.Equal(client.Egress, serverEnd.Ingress);
            Assert.Equal(client.Ingress, serverEnd.Egress);
            Assert.NotNull(client.Closed);
            Assert.Equal((ulong)client.Egress.Length, client.Closed!.BytesSent);
            Assert.Equal((ulong)client.Ingress.Length, client.Closed.BytesReceived);
        }
        Assert.Empty(capture.Losses);
        Assert.Contains(capture.Records.OfType<ProcessRecord>(), p => p.Pid == get.Pid && p.Name == "curl");
        Assert.Equal(4, result.Summary.GetProperty("connections").GetInt32());
        Assert.Equal(4, result.Summary.GetProperty("requests").GetInt32());
    }

    [Fact]
    public async Task A_5_MB_response_written_in_one_call_arrives_whole()
    {
        BpfRequirement.Ensure();
        using var server = await PythonHttpServer.StartAsync();
        using var scratch = new ScratchDirectory();
        const int size = 5 * 1024 * 1024;
        using var recording = await RecordingSession.StartAsync("--port", Port(server.Port));
        var url = new Uri(server.BaseAddress, $"bytes/{size}");
        var curl = await Curl.RunAsync("-D", scratch.File("headers"), url.ToString());
        var result = await recording.StopAsync();
        var capture = result.Read();

        byte[] body = PythonHttpServer.Pattern(size);
        Assert.Equal(body, curl.Stdout);
        var client = Assert.Single(capture.OfProcess(curl.Pid));
        Assert.Equal(Concat(await File.ReadAllBytesAsync(scratch.File("headers"), TestContext.Current.CancellationToken), body), client.Ingress);
        var serverEnd = Assert.Single(capture.ServersOn(server.Port));
        Assert.Equal(client.Ingress, serverEnd.Egress);
        // The server wrote headers and body with one syscall: the kernel split it into chunks, none cut.
        Assert.True(serverEnd.Data.Count(d => d.Direction == Direction.Egress) > 1);
        Assert.All(serverEnd.Data, d => Assert.Equal(0UL, d.CutBytes));
        Assert.Empty(capture.Losses);
    }

    [Fact]
    public async Task Several_concurrent_connections_keep_their_own_bytes()
    {
        BpfRequirement.Ensure();
        using var server = await PythonHttpServer.StartAsync();
        using var recording = await RecordingSession.StartAsync("--port", Port(server.Port));
        const int clients = 8;
        var runs = await Task.WhenAll(Enumerable.Range(0, clients).Select(i =>
            Curl.RunAsync(new Uri(server.BaseAddress, $"bytes/{20000 + i * 1000}").ToString())));
        var result = await recording.StopAsync();
        var capture = result.Read();

        for (int i = 0; i < clients; i++)
        {
            var url = new Uri(server.BaseAddress, $"bytes/{20000 + i * 1000}");
            var client = Assert.Single(capture.OfProcess(runs[i].Pid));
            Assert.Equal(Curl.ExpectedGet(url), client.EgressText);
            Assert.EndsWith(Encoding.Latin1.GetString(PythonHttpServer.Pattern(20000 + i * 1000)), client.IngressText);
            var serverEnd = Assert.Single(capture.ServersOn(server.Port), s => s.Remote?.Port == client.Local?.Port);
            Assert.Equal(client.Egress, serverEnd.Ingress);
            Assert.Equal(client.Ingress, serverEnd.Egress);
        }
        Assert.Equal(2 * clients, capture.Connections.Count);
        Assert.Equal(clients * 2, capture.Connections.Select(c => c.Opened.ConnectionId).Distinct().Count());
    }

    [Fact]
    public async Task A_port_filter_leaves_out_other_servers()
    {
        BpfRequirement.Ensure();
        using var wanted = await PythonHttpServer.StartAsync();
        using var other = await PythonHttpServer.StartAsync();
        using var recording = await RecordingSession.StartAsync("--port", Port(wanted.Port));
        var a = await Curl.RunAsync(new Uri(wanted.BaseAddress, "bytes/100").ToString());
        var b = await Curl.RunAsync(new Uri(other.BaseAddress, "bytes/100").ToString());
        var result = await recording.StopAsync();
        var capture = result.Read();

        Assert.Single(capture.OfProcess(a.Pid));
        Assert.Empty(capture.OfProcess(b.Pid));
        Assert.Empty(capture.WithPort(other.Port));
        Assert.All(capture.Connections, c => Assert.True(c.Local?.Port == wanted.Port || c.Remote?.Port == wanted.Port, c.ToString()));
    }

    internal static byte[] Concat(byte[] first, byte[] second) => [.. first, .. second];
}
