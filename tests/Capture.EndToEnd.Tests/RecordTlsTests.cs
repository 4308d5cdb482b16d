using System.Globalization;
using System.Text;
using Capture.EndToEnd.Tests.Infrastructure;
using Capture.Format.Records;

namespace Capture.EndToEnd.Tests;

/// <summary>
/// `capture record` on HTTPS: real curl (libssl) against a real Python ssl server with a certificate
/// made by the test; the plaintext comes from the OpenSSL uprobes, never the ciphertext.
/// </summary>
public class RecordTlsTests
{
    private static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);

    /// <summary>Where the probes sit: OpenSSL's internal read/write functions (the default where found), or the exported SSL_* functions.</summary>
    private static Dictionary<string, string> Placement(string placement) =>
        placement == "exported" ? new() { ["CAPTURE_SSL_PROBES"] = "exported" } : new();

    [Fact]
    public async Task The_first_exchange_of_each_curl_connection_shows_its_connect_time_and_over_tls_its_ssl_time()
    {
        BpfRequirement.Ensure();
        using var certificate = await SelfSignedCertificate.CreateAsync();
        using var secure = await PythonHttpServer.StartAsync(certificate);
        using var plain = await PythonHttpServer.StartAsync();
        using var recording = await RecordingSession.StartAsync("--port", Port(secure.Port), "--port", Port(plain.Port));
        await Curl.RunAsync("--cacert", certificate.CertificatePath, new Uri(secure.BaseAddress, "bytes/10").ToString());
        await Curl.RunAsync(new Uri(plain.BaseAddress, "bytes/20").ToString(), new Uri(plain.BaseAddress, "bytes/30").ToString());
        var result = await recording.StopAsync();

        using var har = HarOfCapture.Convert(result.CapturePath);
        double Timing(string path, string phase) =>
            Assert.Single(har.Entries, e => HarOfCapture.Url(e).EndsWith(path, StringComparison.Ordinal))
                .GetProperty("timings").GetProperty(phase).GetDouble();

        // A loopback handshake takes microseconds; HAR keeps milliseconds to 3 decimals.
        Assert.InRange(Timing("/bytes/20", "connect"), 0.001, 1000);
        Assert.InRange(Timing("/bytes/20", "blocked"), 0, 1000);
        Assert.Equal(-1, Timing("/bytes/20", "ssl"));
        // The second request reused the connection: nothing to set up.
        Assert.Equal((-1.0, -1.0), (Timing("/bytes/30", "connect"), Timing("/bytes/30", "blocked")));
        // Over TLS the handshake comes before the first plaintext byte, and HAR counts ssl inside connect.
        Assert.InRange(Timing("/bytes/10", "ssl"), 0.001, 5000);
        Assert.True(Timing("/bytes/10", "connect") > Timing("/bytes/10", "ssl"));
        Assert.Equal(-1, Timing("/bytes/10", "blocked"));
    }

    [Theory]
    [InlineData("internal")]
    [InlineData("exported")]
    public async Task Get_and_post_over_https_are_recorded_as_plaintext_on_both_ends_with_https_urls(string placement)
    {
        BpfRequirement.Ensure();
        using var certificate = await SelfSignedCertificate.CreateAsync();
        using var server = await PythonHttpServer.StartAsync(certificate);
        await File.WriteAllTextAsync(Path.Combine(server.Directory, "hello.txt"), "hello over tls\n", TestContext.Current.CancellationToken);
        using var scratch = new ScratchDirectory();
        const string postBody = "{\"order\":42,\"items\":[\"a\",\"b\"]}";
        using var recording = await RecordingSession.StartAsync(Placement(placement), "--port", Port(server.Port));
        var getUrl = new Uri(server.BaseAddress, "hello.txt");
        var get = await Curl.RunAsync("--cacert", certificate.CertificatePath, "-D", scratch.File("get.headers"), getUrl.ToString());
        var postUrl = new Uri(server.BaseAddress, "echo");
        var post = await Curl.RunAsync("--cacert", certificate.CertificatePath, "-D", scratch.File("post.headers"), "-H", "Content-Type: application/json",
            "--data-binary", postBody, postUrl.ToString());
        var result = await recording.StopAsync();
        var capture = result.Read();

        var getClient = Assert.Single(capture.OfProcess(get.Pid));
        Assert.Equal(ConnectionFlags.Tls, getClient.Opened.Flags);
        Assert.Equal((ConnectionRole.Client, ConnectionSource.Connect), (getClient.Opened.Role, getClient.Opened.Source));
        Assert.Equal(Curl.ExpectedGet(getUrl), getClient.EgressText);
        Assert.Equal(Concat(await File.ReadAllBytesAsync(scratch.File("get.headers"), TestContext.Current.CancellationToken), get.Stdout), getClient.Ingress);

        var postClient = Assert.Single(capture.OfProcess(post.Pid));
        Assert.Equal($"POST /echo HTTP/1.1\r\nHost: {postUrl.Authority}\r\nUser-Agent: {Curl.UserAgent}\r\nAccept: */*\r\n" +
                     $"Content-Type: application/json\r\nContent-Length: {postBody.Length}\r\n\r\n{postBody}", postClient.EgressText);
        Assert.Equal(Concat(await File.ReadAllBytesAsync(scratch.File("post.headers"), TestContext.Current.CancellationToken), post.Stdout), postClient.Ingress);

        foreach (var client in new[] { getClient, postClient })
        {
            var serverEnd = Assert.Single(capture.ServersOn(server.Port), s => s.Remote?.Port == client.Local?.Port);
            Assert.Equal((server.Pid, ConnectionRole.Server, ConnectionFlags.Tls), (serverEnd.Opened.Pid, serverEnd.Opened.Role, serverEnd.Opened.Flags));
            Assert.Equal(client.Egress, serverEnd.Ingress);
            Assert.Equal(client.Ingress, serverEnd.Egress);
            // The close totals count plaintext only: no handshake or record bytes were counted.
            Assert.NotNull(client.Closed);
            Assert.Equal(((ulong)client.Egress.Length, (ulong)client.Ingress.Length), (client.Closed!.BytesSent, client.Closed.BytesReceived));
        }
        TlsAssert.NoCiphertext(capture);
        Assert.Empty(capture.Losses);

        using var har = HarOfCapture.Convert(result.CapturePath);
        Assert.True(har.Entries.Count == 2, string.Join("\n", har.Entries));
        var getEntry = Assert.Single(har.Entries, e => HarOfCapture.Url(e) == getUrl.ToString());
        Assert.StartsWith("https://127.0.0.1:", HarOfCapture.Url(getEntry));
        Assert.Equal("hello over tls\n"u8.ToArray(), HarOfCapture.ResponseBody(getEntry));
        var postEntry = Assert.Single(har.Entries, e => HarOfCapture.Url(e) == postUrl.ToString());
        Assert.Equal(Encoding.ASCII.GetBytes(postBody), HarOfCapture.RequestBody(postEntry));
        Assert.Equal(Encoding.ASCII.GetBytes(postBody), HarOfCapture.ResponseBody(postEntry));
        // The TLS handshake comes before the first plaintext byte, and HAR counts ssl inside connect.
        Assert.All(har.Entries, e => Assert.InRange(e.GetProperty("timings").GetProperty("ssl").GetDouble(), 0.001, e.GetProperty("timings").GetProperty("connect").GetDouble()));
    }

    [Fact]
    public async Task A_keep_alive_tls_connection_carries_several_requests_in_order()
    {
        BpfRequirement.Ensure();
        using var certificate = await SelfSignedCertificate.CreateAsync();
        using var server = await PythonHttpServer.StartAsync(certificate);
        using var recording = await RecordingSession.StartAsync("--port", Port(server.Port));
        int[] sizes = [1000, 2000, 3000];
        var urls = sizes.Select(n => new Uri(server.BaseAddress, $"bytes/{n}")).ToList();
        var curl = await Curl.RunAsync(["--cacert", certificate.CertificatePath, .. urls.Select(u => u.ToString())]);
        var result = await recording.StopAsync();
        var capture = result.Read();

        // One connection, reused: the requests back to back, each answer complete.
        var client = Assert.Single(capture.OfProcess(curl.Pid));
        Assert.Equal(string.Concat(urls.Select(Curl.ExpectedGet)), client.EgressText);
        Assert.Equal(sizes.SelectMany(PythonHttpServer.Pattern).ToArray(), curl.Stdout);
        var serverEnd = Assert.Single(capture.ServersOn(server.Port));
        Assert.Equal(client.Egress, serverEnd.Ingress);
        Assert.Equal(client.Ingress, serverEnd.Egress);
        TlsAssert.NoCiphertext(capture);

        using var har = HarOfCapture.Convert(result.CapturePath);
        Assert.Equal(urls.Select(u => u.ToString()), har.Entries.Select(HarOfCapture.Url));
        Assert.Single(har.Entries.Select(e => e.GetProperty("connection").GetString()).Distinct());
        Assert.Equal(sizes.Select(PythonHttpServer.Pattern), har.Entries.Select(HarOfCapture.ResponseBody));
    }

    [Fact]
    public async Task A_1_MB_body_goes_up_and_comes_back_whole_over_tls()
    {
        BpfRequirement.Ensure();
        using var certificate = await SelfSignedCertificate.CreateAsync();
        using var server = await PythonHttpServer.StartAsync(certificate);
        using var scratch = new ScratchDirectory();
        byte[] body = PythonHttpServer.Pattern(1 << 20);
        await File.WriteAllBytesAsync(scratch.File("body.bin"), body, TestContext.Current.CancellationToken);
        using var recording = await RecordingSession.StartAsync("--port", Port(server.Port));
        var url = new Uri(server.BaseAddress, "echo");
        var curl = await Curl.RunAsync("--cacert", certificate.CertificatePath, "-H", "Expect:", "-H", "Content-Type: application/octet-stream",
            "--data-binary", "@" + scratch.File("body.bin"), url.ToString());
        var result = await recording.StopAsync();
        var capture = result.Read();

        Assert.Equal(body, curl.Stdout);
        var client = Assert.Single(capture.OfProcess(curl.Pid));
        Assert.EndsWith("\r\n\r\n", Encoding.Latin1.GetString(client.Egress[..^body.Length]));
        Assert.Equal(body, client.Egress[^body.Length..]);
        Assert.Equal(body, client.Ingress[^body.Length..]);
        var serverEnd = Assert.Single(capture.ServersOn(server.Port));
        Assert.Equal(client.Egress, serverEnd.Ingress);
        Assert.Equal(client.Ingress, serverEnd.Egress);
        TlsAssert.NoCiphertext(capture);
        Assert.Empty(capture.Losses);

        using var har = HarOfCapture.Convert(result.CapturePath);
        var entry = Assert.Single(har.Entries);
        Assert.Equal(body, HarOfCapture.RequestBody(entry));
        Assert.Equal(body, HarOfCapture.ResponseBody(entry));
    }

    [Fact]
    public async Task Tls_and_plaintext_connections_in_one_recording_keep_their_schemes()
    {
        BpfRequirement.Ensure();
        using var certificate = await SelfSignedCertificate.CreateAsync();
        using var secure = await PythonHttpServer.StartAsync(certificate);
        using var plain = await PythonHttpServer.StartAsync();
        using var recording = await RecordingSession.StartAsync("--port", Port(secure.Port), "--port", Port(plain.Port));
        var secureUrl = new Uri(secure.BaseAddress, "bytes/500");
        var plainUrl = new Uri(plain.BaseAddress, "bytes/700");
        var a = await Curl.RunAsync("--cacert", certificate.CertificatePath, secureUrl.ToString());
        var b = await Curl.RunAsync(plainUrl.ToString());
        var result = await recording.StopAsync();
        var capture = result.Read();

        var secureClient = Assert.Single(capture.OfProcess(a.Pid));
        var plainClient = Assert.Single(capture.OfProcess(b.Pid));
        Assert.Equal(ConnectionFlags.Tls, secureClient.Opened.Flags);
        Assert.Equal(ConnectionFlags.None, plainClient.Opened.Flags);
        Assert.All(plainClient.Data, d => Assert.Equal(DataFlags.None, d.Flags));
        Assert.Equal(Curl.ExpectedGet(secureUrl), secureClient.EgressText);
        Assert.Equal(Curl.ExpectedGet(plainUrl), plainClient.EgressText);
        Assert.Equal(4, capture.Connections.Count);
        TlsAssert.NoCiphertext(capture);

        using var har = HarOfCapture.Convert(result.CapturePath);
        Assert.Equal([$"http://127.0.0.1:{plain.Port}/bytes/700", $"https://127.0.0.1:{secure.Port}/bytes/500"],
            har.Entries.Select(HarOfCapture.Url).Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("internal")]
    [InlineData("exported")]
    public async Task Plaintext_that_openssl_serves_from_its_buffer_without_a_syscall_lands_on_its_connection(string placement)
    {
        BpfRequirement.Ensure();
        using var certificate = await SelfSignedCertificate.CreateAsync();
        using var server = await PythonHttpServer.StartAsync(certificate);
        using var scratch = new ScratchDirectory();
        const int size = 20000;
        using var recording = await RecordingSession.StartAsync(Placement(placement), "--port", Port(server.Port));
        // Reads of 100 bytes: OpenSSL decrypts a whole record (up to 16 KiB) on the first read and serves the
        // following reads from its buffer, with no socket call under them.
        var client = await SmallReadsClient.RunAsync(certificate, server.Port, $"/bytes/{size}", readSize: 100);
        var result = await recording.StopAsync();
        var capture = result.Read();

        var recorded = Assert.Single(capture.OfProcess(client.Pid));
        Assert.Equal(ConnectionFlags.Tls, recorded.Opened.Flags);
        Assert.Equal(client.Response, recorded.Ingress);
        Assert.Equal(PythonHttpServer.Pattern(size), client.Response[^size..]);
        // Most reads returned without a syscall, and still every one was recorded.
        Assert.True(recorded.Data.Count(d => d.Direction == Direction.Ingress) >= size / 100);
        TlsAssert.NoCiphertext(capture);
        Assert.Empty(capture.Losses);
    }

    [Fact]
    public async Task With_a_pid_filter_the_selected_server_gets_probes_of_its_own_and_its_client_is_left_out()
    {
        BpfRequirement.Ensure();
        using var certificate = await SelfSignedCertificate.CreateAsync();
        using var server = await PythonHttpServer.StartAsync(certificate);
        using var recording = await RecordingSession.StartAsync("--tls", "--pid", server.Pid.ToString(CultureInfo.InvariantCulture));
        var url = new Uri(server.BaseAddress, "bytes/4000");
        var curl = await Curl.RunAsync("--cacert", certificate.CertificatePath, url.ToString());
        var result = await recording.StopAsync();
        var capture = result.Read();

        Assert.Empty(capture.OfProcess(curl.Pid));
        var serverEnd = Assert.Single(capture.Connections);
        Assert.Equal((server.Pid, ConnectionRole.Server, ConnectionFlags.Tls), (serverEnd.Opened.Pid, serverEnd.Opened.Role, serverEnd.Opened.Flags));
        Assert.Equal(Curl.ExpectedGet(url), serverEnd.IngressText);
        Assert.Equal(PythonHttpServer.Pattern(4000), serverEnd.Egress[^4000..]);
        Assert.Contains(result.Summary.GetProperty("tlsLibraries").EnumerateArray(), l => l.GetString()!.Contains("libssl.so", StringComparison.Ordinal));
        // The stack found in the process, in the summary and in the file's TLS-stack records.
        Assert.Contains(result.Summary.GetProperty("tlsStacks").EnumerateArray(), s => s.GetProperty("stack").GetString() == "openssl-shared"
            && s.GetProperty("pid").GetInt32() == server.Pid && s.GetProperty("probed").GetBoolean());
        Assert.Contains(capture.Records.OfType<TlsStackRecord>(), t => (t.Stack, t.Pid, t.Probed) == (TlsStack.OpenSslShared, server.Pid, true)
            && t.Path.Contains("libssl.so", StringComparison.Ordinal));
        TlsAssert.NoCiphertext(capture);
    }

    [Fact]
    public async Task Dotnet_sslstream_tls_over_memory_buffers_is_counted_not_recorded_and_never_as_ciphertext()
    {
        BpfRequirement.Ensure();
        using var certificate = await SelfSignedCertificate.CreateAsync();
        using var server = await PythonHttpServer.StartAsync(certificate);
        // The port as well as the pid: other tests of this process run in parallel and must not reach this recording.
        using var recording = await RecordingSession.StartAsync(
            "--pid", Environment.ProcessId.ToString(CultureInfo.InvariantCulture), "--port", Port(server.Port));
        // .NET drives OpenSSL through memory BIOs and does the socket I/O itself: no socket call under SSL_read/SSL_write.
        using (var tcp = new System.Net.Sockets.TcpClient())
        {
            await tcp.ConnectAsync(System.Net.IPAddress.Loopback, server.Port, TestContext.Current.CancellationToken);
            await using var tls = new System.Net.Security.SslStream(tcp.GetStream(), false, (_, _, _, _) => true);
            await tls.AuthenticateAsClientAsync("127.0.0.1");
            await tls.WriteAsync(Encoding.ASCII.GetBytes($"GET /bytes/100 HTTP/1.1\r\nHost: 127.0.0.1:{server.Port}\r\n\r\n"), TestContext.Current.CancellationToken);
            var buffer = new byte[4096];
            int total = 0;
            while (!Encoding.Latin1.GetString(buffer, 0, total).Contains("\r\n\r\n", StringComparison.Ordinal) || total < 100)
                total += await tls.ReadAsync(buffer.AsMemory(total), TestContext.Current.CancellationToken);
        }
        var result = await recording.StopAsync();
        var capture = result.Read();

        Assert.Empty(capture.WithPort(server.Port));
        Assert.True(result.Summary.GetProperty("tlsCallsWithoutSocket").GetUInt64() >= 2, result.Summary.ToString());
        Assert.Empty(capture.Losses);
        TlsAssert.NoCiphertext(capture);
    }

    [Fact]
    public async Task With_no_tls_an_https_connection_is_left_out_entirely()
    {
        BpfRequirement.Ensure();
        using var certificate = await SelfSignedCertificate.CreateAsync();
        using var server = await PythonHttpServer.StartAsync(certificate);
        using var recording = await RecordingSession.StartAsync("--no-tls", "--port", Port(server.Port));
        var curl = await Curl.RunAsync("--cacert", certificate.CertificatePath, new Uri(server.BaseAddress, "bytes/300").ToString());
        var result = await recording.StopAsync();
        var capture = result.Read();

        Assert.Equal(PythonHttpServer.Pattern(300), curl.Stdout);
        Assert.Empty(capture.Connections);
        Assert.Empty(capture.Records.OfType<DataRecord>());
        Assert.Equal(0, result.Summary.GetProperty("tlsLibraries").GetArrayLength());
    }

    internal static byte[] Concat(byte[] first, byte[] second) => [.. first, .. second];
}
