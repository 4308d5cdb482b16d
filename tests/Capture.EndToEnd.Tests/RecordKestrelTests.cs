using System.Text;
using Capture.EndToEnd.Tests.Infrastructure;
using Capture.Format.Records;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Capture.EndToEnd.Tests;

/// <summary>Kestrel (server) and HttpClient (client), both in the test process, recorded by a separate `capture record`.</summary>
public class RecordKestrelTests
{
    [Fact]
    public async Task Kestrel_and_HttpClient_exchanges_are_recorded_on_both_ends_of_one_keep_alive_connection()
    {
        BpfRequirement.Ensure();
        await using var server = await KestrelServer.StartAsync(app =>
        {
            app.MapGet("/hello", () => Results.Text("hello from kestrel"));
            app.MapPost("/echo", async (HttpRequest request) =>
            {
                using var body = new MemoryStream();
                await request.Body.CopyToAsync(body);
                return Results.Bytes(body.ToArray(), "application/octet-stream");
            });
        });
        using var recording = await RecordingSession.StartAsync("--port", server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1 }) { BaseAddress = server.BaseAddress };
        var ct = TestContext.Current.CancellationToken;
        string hello = await client.GetStringAsync("hello", ct);
        byte[] sent = PythonHttpServer.Pattern(70_000);
        using var post = await client.PostAsync("echo", new ByteArrayContent(sent), ct);
        byte[] echoed = await post.Content.ReadAsByteArrayAsync(ct);
        var result = await recording.StopAsync();
        var capture = result.Read();

        Assert.Equal("hello from kestrel", hello);
        Assert.Equal(sent, echoed);
        int pid = Environment.ProcessId;
        var clientEnd = Assert.Single(capture.ClientsOf(server.Port));
        var serverEnd = Assert.Single(capture.ServersOn(server.Port));
        Assert.Equal(pid, clientEnd.Opened.Pid);
        Assert.Equal(pid, serverEnd.Opened.Pid);
        Assert.Equal(ConnectionRole.Client, clientEnd.Opened.Role);
        Assert.Equal(ConnectionRole.Server, serverEnd.Opened.Role);
        Assert.Equal(ConnectionSource.Accept, serverEnd.Opened.Source);

        // Independently recorded syscalls of the two ends agree byte for byte.
        Assert.Equal(clientEnd.Egress, serverEnd.Ingress);
        Assert.Equal(clientEnd.Ingress, serverEnd.Egress);

        string requests = clientEnd.EgressText;
        Assert.StartsWith($"GET /hello HTTP/1.1\r\nHost: {server.BaseAddress.Authority}\r\n", requests);
        int postAt = requests.IndexOf("POST /echo HTTP/1.1\r\n", StringComparison.Ordinal);
        Assert.True(postAt > 0, requests);
        Assert.EndsWith(Encoding.Latin1.GetString(sent), requests);
        string responses = clientEnd.IngressText;
        Assert.StartsWith("HTTP/1.1 200 OK\r\n", responses);
        Assert.Contains("hello from kestrel", responses);
        Assert.EndsWith(Encoding.Latin1.GetString(sent), responses);
        Assert.Empty(capture.Losses);
    }

    [Fact]
    public async Task A_5_MB_Kestrel_response_written_with_one_sendmsg_of_many_iovecs_is_recorded_whole_on_the_server_end()
    {
        BpfRequirement.Ensure();
        const int size = 5 * 1024 * 1024;
        byte[] body = PythonHttpServer.Pattern(size);
        await using var server = await KestrelServer.StartAsync(app => app.MapGet("/big", async (HttpContext ctx) =>
        {
            ctx.Response.ContentLength = size;
            await ctx.Response.Body.WriteAsync(body);
        }));
        using var recording = await RecordingSession.StartAsync("--port", server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        // curl in its own process, so that the server end is the only end this process contributes.
        var curl = await Curl.RunAsync(new Uri(server.BaseAddress, "big").ToString());
        var capture = (await recording.StopAsync()).Read();

        Assert.Equal(size, curl.Stdout.Length);
        // Kestrel hands its pipe's 4 KiB segments to one sendmsg: hundreds of iovecs per call.
        var serverEnd = Assert.Single(capture.ServersOn(server.Port));
        Assert.Equal(body, serverEnd.Egress[^size..]);
        Assert.Empty(capture.Losses);
    }

    [Fact]
    public async Task IPv6_connections_are_recorded_with_their_addresses()
    {
        BpfRequirement.Ensure();
        if (!System.Net.Sockets.Socket.OSSupportsIPv6)
            Assert.Skip("IPv6 is disabled on this machine");
        await using var server = await KestrelServer.StartAsync(app => app.MapGet("/six", () => Results.Text("over ipv6")), "http://[::1]:0");
        using var recording = await RecordingSession.StartAsync("--port", server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        using var client = new HttpClient { BaseAddress = server.BaseAddress };
        Assert.Equal("over ipv6", await client.GetStringAsync("six", TestContext.Current.CancellationToken));
        var capture = (await recording.StopAsync()).Read();

        var clientEnd = Assert.Single(capture.ClientsOf(server.Port));
        var serverEnd = Assert.Single(capture.ServersOn(server.Port));
        Assert.Equal(System.Net.IPAddress.IPv6Loopback, clientEnd.Remote?.Address);
        Assert.Equal(System.Net.IPAddress.IPv6Loopback, serverEnd.Local?.Address);
        Assert.Equal(clientEnd.Local, serverEnd.Remote);
        Assert.StartsWith($"GET /six HTTP/1.1\r\nHost: {server.BaseAddress.Authority}\r\n", clientEnd.EgressText);
        Assert.Equal(clientEnd.Egress, serverEnd.Ingress);
        Assert.Equal(clientEnd.Ingress, serverEnd.Egress);
        Assert.EndsWith("over ipv6", clientEnd.IngressText);
    }
}
