using System.Globalization;
using Capture.EndToEnd.Tests.Infrastructure;
using Capture.Format.Records;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Capture.EndToEnd.Tests;

/// <summary>
/// HTTPS from TLS stacks that drive OpenSSL over memory BIOs, so that SSL_read/SSL_write make no socket
/// call: Kestrel (.NET's SslStream over the shared libssl), Node.js (OpenSSL linked into node, its own
/// BIO) and HttpClient. Each SSL object is linked to its socket by the ciphertext it hands over
/// (bpf/tls_bio.bpf.h). Recorded at one end only with --pid; the plaintext must land on the right
/// connection whole, never the ciphertext.
/// </summary>
public class RecordMemoryBioTlsTests
{
    private const int MiB = 1 << 20;
    private static readonly int[] Sizes = [1000, 20000, 3];

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);

    [Fact]
    public async Task A_kestrel_https_server_recorded_with_pid_shows_its_keep_alive_exchanges_and_1_MB_each_way_exactly()
    {
        BpfRequirement.Ensure();
        using var certificate = await SelfSignedCertificate.CreateAsync();
        await using var server = await KestrelServer.StartAsync(MapBytesAndEcho, "https://127.0.0.1:0", certificate);
        // The server runs in this test process: its port keeps other tests' traffic out of the recording.
        await AssertServerRecordedAsync(Environment.ProcessId, server.BaseAddress, certificate, "--port", Text(server.Port));
    }

    [Fact]
    public async Task A_node_https_server_recorded_with_pid_shows_its_keep_alive_exchanges_and_1_MB_each_way_exactly()
    {
        BpfRequirement.Ensure();
        using var certificate = await SelfSignedCertificate.CreateAsync();
        using var server = await NodeHttpsServer.StartAsync(certificate);
        Assert.DoesNotContain("libssl.so", File.ReadAllText($"/proc/{server.Pid}/maps")); // OpenSSL is inside node
        var result = await AssertServerRecordedAsync(server.Pid, server.BaseAddress, certificate);
        // Found as static OpenSSL in the process's maps: the node executable itself is probed.
        string node = Path.GetFullPath(new FileInfo($"/proc/{server.Pid}/exe").LinkTarget!);
        Assert.Contains(result.Summary.GetProperty("tlsLibraries").EnumerateArray(), l => l.GetString() == $"/proc/{server.Pid}/root{node}");
    }

    [Fact]
    public async Task Httpclient_recorded_at_the_client_shows_its_keep_alive_exchanges_and_1_MB_each_way_exactly()
    {
        BpfRequirement.Ensure();
        using var certificate = await SelfSignedCertificate.CreateAsync();
        using var server = await PythonHttpServer.StartAsync(certificate);
        byte[] upload = PythonHttpServer.Pattern(MiB).Reverse().ToArray();
        // The port as well as the pid: other tests of this process run in parallel and must not reach this recording.
        using var recording = await RecordingSession.StartAsync("--tls", "--pid", Text(Environment.ProcessId), "--port", Text(server.Port));
        using (var client = new HttpClient(new SocketsHttpHandler
               {
                   MaxConnectionsPerServer = 1,
                   SslOptions = { RemoteCertificateValidationCallback = (_, _, _, _) => true },
               }) { BaseAddress = server.BaseAddress })
        {
            foreach (int size in Sizes)
                Assert.Equal(PythonHttpServer.Pattern(size), await client.GetByteArrayAsync($"bytes/{size}", TestContext.Current.CancellationToken));
            using var posted = await client.PostAsync("echo", new ByteArrayContent(upload), TestContext.Current.CancellationToken);
            Assert.Equal(upload, await posted.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken));
        }
        var result = await recording.StopAsync();
        var capture = result.Read();

        var connection = Assert.Single(capture.Connections);
        Assert.Equal((Environment.ProcessId, ConnectionRole.Client, ConnectionFlags.Tls), (connection.Opened.Pid, connection.Opened.Role, connection.Opened.Flags));
        Assert.Equal(server.Port, connection.Remote!.Port);
        AssertExchanges(result, server.BaseAddress, upload);
    }

    [Fact]
    public async Task A_connection_opened_before_recording_is_linked_when_it_next_sends_and_the_plaintext_before_is_counted_not_recorded()
    {
        BpfRequirement.Ensure();
        using var certificate = await SelfSignedCertificate.CreateAsync();
        using var server = await PythonHttpServer.StartAsync(certificate);
        using var client = new HttpClient(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = 1,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
            SslOptions = { RemoteCertificateValidationCallback = (_, _, _, _) => true },
        }) { BaseAddress = server.BaseAddress };
        // The handshake happens before the recording: nothing links this connection until it sends again.
        Assert.Equal(PythonHttpServer.Pattern(10), await client.GetByteArrayAsync("bytes/10", TestContext.Current.CancellationToken));
        using var recording = await RecordingSession.StartAsync("--tls", "--pid", Text(Environment.ProcessId), "--port", Text(server.Port));
        Assert.Equal(PythonHttpServer.Pattern(2000), await client.GetByteArrayAsync("bytes/2000", TestContext.Current.CancellationToken));
        Assert.Equal(PythonHttpServer.Pattern(3000), await client.GetByteArrayAsync("bytes/3000", TestContext.Current.CancellationToken));
        var result = await recording.StopAsync();
        var capture = result.Read();

        // The first request's SSL_write returned before its record was sent: counted, not recorded.
        Assert.True(result.Summary.GetProperty("tlsCallsWithoutSocket").GetUInt64() >= 1, result.Summary.ToString());
        var connection = Assert.Single(capture.Connections);
        Assert.Equal((ConnectionRole.Client, ConnectionSource.AlreadyOpen, ConnectionFlags.Tls),
            (connection.Opened.Role, connection.Opened.Source, connection.Opened.Flags));
        Assert.StartsWith("GET /bytes/3000 HTTP/1.1\r\n", connection.EgressText, StringComparison.Ordinal);
        Assert.StartsWith("HTTP/1.1 200 ", connection.IngressText, StringComparison.Ordinal);
        Assert.Equal(PythonHttpServer.Pattern(3000), connection.Ingress[^3000..]);
        Assert.Equal(2, connection.IngressText.Split("HTTP/1.1 200 ").Length - 1); // both answers, whole
        TlsAssert.NoCiphertext(capture);
        Assert.Empty(capture.Losses);
    }

    /// <summary>Kestrel's endpoints, as the Node and Python servers have them.</summary>
    private static void MapBytesAndEcho(WebApplication app)
    {
        app.MapGet("/bytes/{size:int}", (int size) => Results.Bytes(PythonHttpServer.Pattern(size), "application/octet-stream"));
        app.MapPost("/echo", async (HttpContext context) =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            context.Response.ContentType = "application/octet-stream";
            context.Response.ContentLength = body.Length;
            await context.Response.Body.WriteAsync(body.ToArray());
        });
    }

    /// <summary>
    /// Records the server <paramref name="pid"/> only while one curl connection (curl is not selected) sends
    /// three GETs and a 1 MiB POST, then checks the server's side of each exchange in the capture and the HAR.
    /// </summary>
    private static async Task<RecordingResult> AssertServerRecordedAsync(int pid, Uri baseAddress, SelfSignedCertificate certificate, params string[] options)
    {
        using var scratch = new ScratchDirectory();
        byte[] upload = PythonHttpServer.Pattern(MiB).Reverse().ToArray();
        await File.WriteAllBytesAsync(scratch.File("upload.bin"), upload, TestContext.Current.CancellationToken);
        using var recording = await RecordingSession.StartAsync(["--tls", "--pid", Text(pid), .. options]);
        // --next keeps the connection: one keep-alive connection carries all four requests.
        var curl = await Curl.RunAsync([
            "--http1.1", "--cacert", certificate.CertificatePath, .. Sizes.Select(n => new Uri(baseAddress, $"bytes/{n}").ToString()),
            "--next", "--http1.1", "--cacert", certificate.CertificatePath, "-H", "Expect:", "-H", "Content-Type: application/octet-stream",
            "--data-binary", "@" + scratch.File("upload.bin"), new Uri(baseAddress, "echo").ToString()]);
        var result = await recording.StopAsync();
        var capture = result.Read();

        Assert.Equal(0, curl.ExitCode);
        Assert.Equal([.. Sizes.SelectMany(PythonHttpServer.Pattern), .. upload], curl.Stdout);
        Assert.Empty(capture.OfProcess(curl.Pid));
        var connection = Assert.Single(capture.Connections);
        Assert.Equal((pid, ConnectionRole.Server, ConnectionFlags.Tls), (connection.Opened.Pid, connection.Opened.Role, connection.Opened.Flags));
        Assert.StartsWith($"GET /bytes/{Sizes[0]} HTTP/1.1\r\n", connection.IngressText, StringComparison.Ordinal);
        AssertExchanges(result, baseAddress, upload);
        return result;
    }

    /// <summary>The recording holds the GETs of <see cref="Sizes"/> and the echo of <paramref name="upload"/>, exactly, on one https connection.</summary>
    private static void AssertExchanges(RecordingResult result, Uri baseAddress, byte[] upload)
    {
        var capture = result.Read();
        TlsAssert.NoCiphertext(capture);
        Assert.Empty(capture.Losses);
        Assert.Equal(0UL, result.Summary.GetProperty("tlsCallsWithoutSocket").GetUInt64());

        using var har = HarOfCapture.Convert(result.CapturePath);
        string[] paths = [.. Sizes.Select(n => $"bytes/{n}"), "echo"];
        Assert.Equal(paths.Select(p => new Uri(baseAddress, p).ToString()), har.Entries.Select(HarOfCapture.Url));
        Assert.Single(har.Entries.Select(e => e.GetProperty("connection").GetString()).Distinct());
        Assert.Equal([.. Sizes.Select(PythonHttpServer.Pattern), upload], har.Entries.Select(HarOfCapture.ResponseBody));
        Assert.Equal(upload, HarOfCapture.RequestBody(har.Entries[^1]));
        Assert.All(har.Entries, e => Assert.Equal(200, e.GetProperty("response").GetProperty("status").GetInt32()));
    }
}
