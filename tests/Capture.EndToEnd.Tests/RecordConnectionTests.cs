using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Capture.EndToEnd.Tests.Infrastructure;
using Capture.Format.Records;

namespace Capture.EndToEnd.Tests;

/// <summary>Which connections the recorder sees: already open ones, and non-HTTP ones.</summary>
public class RecordConnectionTests
{
    private static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);

    [Fact]
    public async Task A_keep_alive_connection_opened_before_recording_is_found_on_first_use()
    {
        BpfRequirement.Ensure();
        var ct = TestContext.Current.CancellationToken;
        using var server = await PythonHttpServer.StartAsync();
        using var client = server.KeepAliveClient();
        Assert.Equal(PythonHttpServer.Pattern(100), await client.GetByteArrayAsync("bytes/100", ct)); // opens the connection

        using var recording = await RecordingSession.StartAsync("--port", Port(server.Port));
        Assert.Equal(PythonHttpServer.Pattern(201), await client.GetByteArrayAsync("bytes/201", ct));
        Assert.Equal(PythonHttpServer.Pattern(302), await client.GetByteArrayAsync("bytes/302", ct));
        var result = await recording.StopAsync();
        var capture = result.Read();

        var clientEnd = Assert.Single(capture.ClientsOf(server.Port));
        Assert.Equal(Environment.ProcessId, clientEnd.Opened.Pid);
        Assert.Equal(ConnectionSource.AlreadyOpen, clientEnd.Opened.Source);
        Assert.Equal(ConnectionRole.Client, clientEnd.Opened.Role); // inferred from the request it wrote
        Assert.Equal(IPAddress.Loopback, clientEnd.Remote?.Address);
        string requests = clientEnd.EgressText;
        Assert.StartsWith("GET /bytes/201 HTTP/1.1\r\n", requests);
        int second = requests.IndexOf("GET /bytes/302 HTTP/1.1\r\n", StringComparison.Ordinal);
        Assert.True(second > 0, requests);
        Assert.DoesNotContain("/bytes/100", requests);
        string responses = clientEnd.IngressText;
        Assert.StartsWith("HTTP/1.1 200 OK\r\n", responses);
        Assert.Contains("\r\n\r\n" + Encoding.Latin1.GetString(PythonHttpServer.Pattern(201)) + "HTTP/1.1 200 OK\r\n", responses);
        Assert.EndsWith("\r\n\r\n" + Encoding.Latin1.GetString(PythonHttpServer.Pattern(302)), responses);

        // The server's end is found too. On the socket path its read that was already waiting when recording
        // began is seen when it returns, so it holds both requests. On the syscall path that read is not
        // visible (its buffer was passed before the programs were attached: the known limit of that path),
        // so its stream starts with the first response it wrote, and the next request it read.
        var serverEnd = Assert.Single(capture.ServersOn(server.Port));
        Assert.Equal(server.Pid, serverEnd.Opened.Pid);
        Assert.Equal(ConnectionSource.AlreadyOpen, serverEnd.Opened.Source);
        Assert.Equal(ConnectionRole.Server, serverEnd.Opened.Role);
        Assert.Equal(clientEnd.Ingress, serverEnd.Egress);
        Assert.Equal(RecordingSession.OnSyscallPath ? requests[second..] : requests, serverEnd.IngressText);
        Assert.Equal(RecordingSession.ExpectedDataPath, result.Summary.GetProperty("dataPath").GetString());
    }

    [Fact]
    public async Task A_non_HTTP_TCP_exchange_is_left_out_by_default_and_recorded_with_all_tcp()
    {
        BpfRequirement.Ensure();
        using var server = await PythonHttpServer.StartAsync();
        byte[] hello = [0x00, 0x01, 0x02, (byte)'P', (byte)'I', (byte)'N', (byte)'G', 0xFF];
        byte[] reply = Encoding.ASCII.GetBytes("+PONG\r\n");

        using (var recording = await RecordingSession.StartAsync())
        {
            var (plainPort, _) = await PlainTcpExchangeAsync(hello, reply);
            var curl = await Curl.RunAsync(new Uri(server.BaseAddress, "bytes/10").ToString()); // proves the recorder was recording
            var capture = (await recording.StopAsync()).Read();
            Assert.Single(capture.OfProcess(curl.Pid));
            Assert.Empty(capture.WithPort(plainPort));
        }

        using (var recording = await RecordingSession.StartAsync("--all-tcp"))
        {
            var (plainPort, clientPort) = await PlainTcpExchangeAsync(hello, reply);
            var capture = (await recording.StopAsync()).Read();
            var clientEnd = Assert.Single(capture.Connections, c => c.Local?.Port == clientPort && c.Remote?.Port == plainPort);
            Assert.Equal(hello, clientEnd.Egress);
            Assert.Equal(reply, clientEnd.Ingress);
            var serverEnd = Assert.Single(capture.Connections, c => c.Local?.Port == plainPort);
            Assert.Equal(hello, serverEnd.Ingress);
            Assert.Equal(reply, serverEnd.Egress);
        }
    }

    [Fact]
    public async Task A_client_that_exits_without_closing_gets_a_close_record()
    {
        BpfRequirement.Ensure();
        using var server = await PythonHttpServer.StartAsync();
        using var recording = await RecordingSession.StartAsync("--port", Port(server.Port));
        // A client that leaves its socket for the kernel to close at exit (no close() to trace).
        string script = $$"""
            import os, socket
            s = socket.create_connection(("127.0.0.1", {{server.Port}}))
            s.sendall(b"GET /bytes/50 HTTP/1.1\r\nHost: x\r\n\r\n")
            data = b""
            while b"\r\n\r\n" not in data or len(data.split(b"\r\n\r\n", 1)[1]) < 50:
                data += s.recv(4096)
            os._exit(0)
            """;
        using var client = ChildProcess.Start("python3", ["-c", script]);
        Assert.Equal(0, await client.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        await Task.Delay(TimeSpan.FromSeconds(2.5), TestContext.Current.CancellationToken); // the recorder looks for exited processes every second
        var capture = (await recording.StopAsync()).Read();

        var clientEnd = Assert.Single(capture.OfProcess(client.Id));
        Assert.NotNull(clientEnd.Closed);
        Assert.Equal((ulong)clientEnd.Egress.Length, clientEnd.Closed!.BytesSent);
        Assert.Equal((ulong)clientEnd.Ingress.Length, clientEnd.Closed.BytesReceived);
        Assert.True(clientEnd.Closed.TimestampNs >= clientEnd.Data.Max(d => d.TimestampNs));
    }

    /// <summary>A client and a server in this process trade one message each over loopback TCP.</summary>
    private static async Task<(int ServerPort, int ClientPort)> PlainTcpExchangeAsync(byte[] request, byte[] response)
    {
        var ct = TestContext.Current.CancellationToken;
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port, ct);
        using var accepted = await listener.AcceptTcpClientAsync(ct);
        var clientStream = client.GetStream();
        var serverStream = accepted.GetStream();
        await clientStream.WriteAsync(request, ct);
        await serverStream.ReadExactlyAsync(new byte[request.Length], ct);
        await serverStream.WriteAsync(response, ct);
        await clientStream.ReadExactlyAsync(new byte[response.Length], ct);
        return (port, ((IPEndPoint)client.Client.LocalEndPoint!).Port);
    }
}
