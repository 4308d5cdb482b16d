using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Capture.EndToEnd.Tests.Cli;
using Capture.EndToEnd.Tests.Infrastructure;
using Capture.Tests.Shared;
using Capture.Traffic.Tests.Har;
using Capture.Traffic.Tests.RealTraffic;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.Core;
using Grpc.Net.Client;

namespace Capture.EndToEnd.Tests;

/// <summary>
/// HTTP/2 and gRPC recorded with eBPF reach every sink as exchanges: `capture har` (one entry per
/// stream, validated), `capture ls` (version and stream shown) and `capture pcap` (tshark dissects
/// http2 and grpc). Real servers (Kestrel h2c, nginx h2 over TLS) and real clients (curl, HttpClient,
/// Grpc.Net.Client) on 127.0.0.1.
/// </summary>
public class Http2SinksTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);

    /// <summary>`capture har` of the capture, checked by the HAR validator, parsed.</summary>
    private static async Task<List<JsonElement>> HarEntries(string capturePath, ScratchDirectory scratch, params string[] options)
    {
        string har = scratch.File($"out-{Guid.NewGuid():N}.har");
        var result = await CaptureCli.RunAsync(["har", capturePath, "-o", har, .. options]);
        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.DoesNotContain("HTTP/2", result.Stderr);
        HarValidatorTool.AssertValid(har);
        Assert.All(Capture.Traffic.Har.HarReader.Read(har).Entries, e => Assert.Equal("http/2.0", e.Request.HttpVersion));
        using var document = JsonDocument.Parse(await File.ReadAllBytesAsync(har, Ct));
        return document.RootElement.GetProperty("log").GetProperty("entries").EnumerateArray().Select(e => e.Clone()).ToList();
    }

    private static string Path(JsonElement entry) => new Uri(HarOfCapture.Url(entry)).PathAndQuery;

    private static List<string> HeaderNames(JsonElement message) =>
        message.GetProperty("headers").EnumerateArray().Select(h => h.GetProperty("name").GetString()!).ToList();

    [Fact]
    public async Task Curl_with_prior_knowledge_against_kestrel_h2c_recorded_at_the_server_is_exact_in_har_ls_and_tshark()
    {
        BpfRequirement.Ensure();
        string tshark = ToolRequirement.Find("tshark", "Debian package tshark");
        await using var server = await H2cServer.StartAsync();
        using var scratch = new ScratchDirectory();
        byte[] upload = Enumerable.Range(0, 70_000).Select(i => (byte)('a' + i % 26)).ToArray();
        await File.WriteAllBytesAsync(scratch.File("upload.txt"), upload, Ct);
        string url = $"http://127.0.0.1:{server.Port}";

        // Kestrel runs in this process; curl does not: only the server's end is recorded.
        using var recording = await RecordingSession.StartAsync("--pid", Port(Environment.ProcessId), "--port", Port(server.Port));
        // One connection per curl: curl 7.88 breaks when it reuses a prior-knowledge connection.
        await Curl.RunAsync("--http2-prior-knowledge", $"{url}/hello");
        await Curl.RunAsync("--http2-prior-knowledge", "-o", "/dev/null", $"{url}/big/300000");
        await Curl.RunAsync("--http2-prior-knowledge", "-o", "/dev/null", "-H", "content-type: text/plain", "--data-binary", $"@{scratch.File("upload.txt")}", $"{url}/echo");
        await Task.Delay(300, Ct);
        var result = await recording.StopAsync();
        Assert.All(result.Read().Connections, c => Assert.Equal(Environment.ProcessId, c.Opened.Pid));

        var entries = await HarEntries(result.CapturePath, scratch);
        Assert.Equal(["/hello", "/big/300000", "/echo"], entries.Select(Path));
        Assert.All(entries, e => Assert.Equal(1, e.GetProperty("_stream").GetInt32()));
        Assert.Equal(3, entries.Select(e => e.GetProperty("_connectionId").GetUInt64()).Distinct().Count());
        Assert.All(entries, e => Assert.False(e.GetProperty("_incomplete").GetBoolean()));
        var hello = entries[0];
        Assert.Equal($"{url}/hello", HarOfCapture.Url(hello));
        Assert.Equal([":authority", ":method", ":path", ":scheme", "user-agent", "accept"], HeaderNames(hello.GetProperty("request")));
        Assert.Equal("hello over h2", Encoding.UTF8.GetString(HarOfCapture.ResponseBody(hello)));
        Assert.Equal(200, hello.GetProperty("response").GetProperty("status").GetInt32());
        Assert.Equal(H2cServer.BigBody(300_000), HarOfCapture.ResponseBody(entries[1]));
        Assert.Equal(upload, HarOfCapture.RequestBody(entries[2]));
        Assert.Equal(upload, HarOfCapture.ResponseBody(entries[2]));

        var ls = await CaptureCli.RunAsync("ls", result.CapturePath);
        Assert.True(ls.ExitCode == 0, ls.Stderr);
        var lines = ls.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);
        Assert.Contains(lines, l => l.Contains(" GET ", StringComparison.Ordinal) && l.Contains($"{url}/hello h2,stream=1", StringComparison.Ordinal));
        Assert.Empty(ls.Stderr);

        // The preface was recorded, so Wireshark's HTTP/2 dissector needs only the port mapping (documented in docs/pcapng-export.md).
        string pcap = scratch.File("h2c.pcapng");
        var export = await CaptureCli.RunAsync("pcap", result.CapturePath, "-o", pcap);
        Assert.True(export.ExitCode == 0, export.Stderr);
        string[] decodeAs = ["-d", $"tcp.port=={server.Port},http2"];
        Assert.Equal([["/hello"], ["/big/300000"], ["/echo"]], PcapTshark.Fields(pcap, "http2.headers.path", decodeAs, "http2.headers.path"));
        Assert.Equal(3, PcapTshark.Fields(pcap, "http2.headers.status == 200", decodeAs, "http2.streamid").Count);
        Assert.NotEmpty(tshark);

        // Replayed from the capture against a fresh copy of the (h2c-only) server: HTTP/1.1 would be refused there.
        await using var fresh = await H2cServer.StartAsync();
        string report = scratch.File("replay.json");
        var replay = await CaptureCli.RunAsync("replay", result.CapturePath, "--target", $"http://127.0.0.1:{fresh.Port}", "--max", "--report", report);
        Assert.True(replay.ExitCode == 0, replay.Stdout + replay.Stderr);
        using (var parsed = JsonDocument.Parse(await File.ReadAllBytesAsync(report, Ct)))
            Assert.Equal(3, parsed.RootElement.GetProperty("summary").GetProperty("matched").GetInt32());
    }

    [Fact]
    public async Task HttpClient_h2c_with_many_concurrent_streams_and_a_large_body_is_one_entry_per_stream_with_exact_bodies()
    {
        BpfRequirement.Ensure();
        await using var server = await H2cServer.StartAsync();
        using var scratch = new ScratchDirectory();
        byte[] large = Enumerable.Range(0, 400_000).Select(i => (byte)(i % 253)).ToArray();
        string url = $"http://127.0.0.1:{server.Port}";

        // Client and server are both this process: both ends are recorded and merged, stream by stream.
        using var recording = await RecordingSession.StartAsync("--port", Port(server.Port));
        using (var client = new HttpClient { DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact })
        {
            // Warm the connection so that every request below shares it.
            Assert.Equal("hello over h2", await client.GetStringAsync($"{url}/hello", Ct));
            var tags = Enumerable.Range(1, 24).Select(n => client.GetStringAsync($"{url}/tag/{n}", Ct)).ToList();
            var echo = client.PostAsync($"{url}/echo", new ByteArrayContent(large), Ct);
            Assert.Equal(Enumerable.Range(1, 24).Select(n => $"item {n}"), await Task.WhenAll(tags));
            Assert.Equal(large, await (await echo).Content.ReadAsByteArrayAsync(Ct));
        }
        await Task.Delay(500, Ct);
        var result = await recording.StopAsync();

        var entries = await HarEntries(result.CapturePath, scratch);
        Assert.Equal(26, entries.Count);
        Assert.Single(entries.Select(e => e.GetProperty("_connectionId").GetUInt64()).Distinct());
        Assert.Equal(26, entries.Select(e => e.GetProperty("_stream").GetInt32()).Distinct().Count());
        Assert.All(entries, e => Assert.Equal(Environment.ProcessId, e.GetProperty("_peerPid").GetInt32()));
        Assert.All(entries, e => Assert.False(e.GetProperty("_incomplete").GetBoolean()));
        Assert.Equal(Enumerable.Range(1, 24).Select(n => $"/tag/{n}").Order(), entries.Select(Path).Where(p => p.StartsWith("/tag/", StringComparison.Ordinal)).Order());
        foreach (var tag in entries.Where(e => Path(e).StartsWith("/tag/", StringComparison.Ordinal)))
        {
            int n = int.Parse(Path(tag)["/tag/".Length..], CultureInfo.InvariantCulture);
            Assert.Equal($"item {n}", Encoding.UTF8.GetString(HarOfCapture.ResponseBody(tag)));
            Assert.Contains(tag.GetProperty("response").GetProperty("headers").EnumerateArray(),
                h => h.GetProperty("name").GetString() == "x-tag" && h.GetProperty("value").GetString() == $"tag-value-{n % 7}");
        }
        var post = Assert.Single(entries, e => Path(e) == "/echo");
        Assert.Equal(large, HarOfCapture.RequestBody(post));
        Assert.Equal(large, HarOfCapture.ResponseBody(post));
        Assert.Equal(large.Length, post.GetProperty("request").GetProperty("bodySize").GetInt32());
    }

    [Fact]
    public async Task Grpc_calls_appear_with_service_method_messages_status_and_json_from_a_protoc_descriptor_set()
    {
        BpfRequirement.Ensure();
        string tshark = ToolRequirement.Find("tshark", "Debian package tshark");
        string protoc = ToolRequirement.Find("protoc", "Debian package protobuf-compiler");
        await using var server = await H2cServer.StartAsync();
        using var scratch = new ScratchDirectory();
        // The service as a user would describe it, compiled by protoc into a descriptor set.
        await File.WriteAllTextAsync(scratch.File("catalog.proto"), """
            syntax = "proto3";
            package shop.v1;
            import "google/protobuf/descriptor.proto";
            service Catalog { rpc Same(google.protobuf.FileDescriptorProto) returns (google.protobuf.FileDescriptorProto); }
            """, Ct);
        using (var compile = ChildProcess.Start(protoc, ["-I", scratch.Path, "-I", "/usr/include", "--include_imports", $"--descriptor_set_out={scratch.File("catalog.pb")}", scratch.File("catalog.proto")]))
            Assert.True(await compile.WaitForExitAsync(TimeSpan.FromSeconds(60)) == 0, compile.Stderr);
        var sent = FileDescriptorProto.Parser.ParseFrom(Google.Protobuf.WellKnownTypes.TimestampReflection.Descriptor.SerializedData);

        using var recording = await RecordingSession.StartAsync("--port", Port(server.Port));
        using (var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{server.Port}"))
        {
            var invoker = channel.CreateCallInvoker();
            Assert.Equal([4, 3, 2, 1], await invoker.AsyncUnaryCall(EchoGrpcServiceBase.SayMethod, null, new CallOptions(cancellationToken: Ct), [1, 2, 3, 4]));
            using (var stream = invoker.AsyncServerStreamingCall(EchoGrpcServiceBase.CountMethod, null, new CallOptions(cancellationToken: Ct), [3]))
                while (await stream.ResponseStream.MoveNext(Ct)) { }
            var failure = await Assert.ThrowsAsync<RpcException>(async () =>
                await invoker.AsyncUnaryCall(EchoGrpcServiceBase.FailMethod, null, new CallOptions(cancellationToken: Ct), [9]));
            Assert.Equal(StatusCode.NotFound, failure.StatusCode);
            await invoker.AsyncUnaryCall(CatalogGrpcServiceBase.SameMethod, null, new CallOptions(cancellationToken: Ct), sent.ToByteArray());
        }
        await Task.Delay(500, Ct);
        var result = await recording.StopAsync();

        var entries = await HarEntries(result.CapturePath, scratch, "--proto-descriptors", scratch.File("catalog.pb"));
        var grpc = entries.Select(e => e.GetProperty("_grpc")).ToList();
        Assert.Equal(["test.echo.v1.Echo/Say", "test.echo.v1.Echo/Count", "test.echo.v1.Echo/Fail", "shop.v1.Catalog/Same"],
            grpc.Select(g => g.GetProperty("service").GetString() + "/" + g.GetProperty("method").GetString()));
        Assert.Equal([0, 0, 5, 0], grpc.Select(g => g.GetProperty("status").GetInt32()));
        Assert.Equal("no item 42 (é)", grpc[2].GetProperty("message").GetString());
        Assert.Equal([1, 2, 3, 4], Convert.FromBase64String(grpc[0].GetProperty("requestMessages")[0].GetProperty("data").GetString()!));
        Assert.Equal([4, 3, 2, 1], Convert.FromBase64String(grpc[0].GetProperty("responseMessages")[0].GetProperty("data").GetString()!));
        Assert.Equal(3, grpc[1].GetProperty("responseMessages").GetArrayLength());
        Assert.False(grpc[0].GetProperty("requestMessages")[0].TryGetProperty("json", out _));
        var json = grpc[3].GetProperty("responseMessages")[0].GetProperty("json");
        Assert.Equal(sent, JsonParser.Default.Parse<FileDescriptorProto>(json.GetRawText()));
        Assert.All(entries, e => Assert.Equal("http://127.0.0.1:" + Port(server.Port), HarOfCapture.Url(e)[..("http://127.0.0.1:" + Port(server.Port)).Length]));

        string pcap = scratch.File("grpc.pcapng");
        var export = await CaptureCli.RunAsync("pcap", result.CapturePath, "-o", pcap);
        Assert.True(export.ExitCode == 0, export.Stderr);
        string[] decodeAs = ["-d", $"tcp.port=={server.Port},http2"];
        var paths = PcapTshark.Fields(pcap, "http2.headers.path", decodeAs, "http2.headers.path").SelectMany(r => r[0].Split(',')).ToList();
        Assert.Equal(["/test.echo.v1.Echo/Say", "/test.echo.v1.Echo/Count", "/test.echo.v1.Echo/Fail", "/shop.v1.Catalog/Same"], paths);
        // Wireshark's gRPC dissector splits the DATA into messages: Say's 4-octet request and reply, Same's descriptor both ways.
        var lengths = PcapTshark.Fields(pcap, "grpc", decodeAs, "grpc.message_length").SelectMany(r => r[0].Split(',')).ToList();
        string same = sent.CalculateSize().ToString(CultureInfo.InvariantCulture);
        Assert.True(lengths.Count(l => l == "4") == 2 && lengths.Count(l => l == same) == 2, string.Join(' ', lengths));
        Assert.NotEmpty(tshark);

        // Replayed from the capture against a fresh server: the same statuses (the NOT_FOUND too) and messages, routes named by gRPC method.
        await using var fresh = await H2cServer.StartAsync();
        var replay = await CaptureCli.RunAsync("replay", result.CapturePath, "--target", $"http://127.0.0.1:{fresh.Port}", "--max",
            "--proto-descriptors", scratch.File("catalog.pb"));
        Assert.True(replay.ExitCode == 0, replay.Stdout + replay.Stderr);
        Assert.Contains("gRPC test.echo.v1.Echo/Fail", replay.Stdout);

        var bad = await CaptureCli.RunAsync("har", result.CapturePath, "-o", scratch.File("x.har"), "--proto-descriptors", scratch.File("catalog.proto"));
        Assert.Equal(3, bad.ExitCode);
        Assert.StartsWith("capture: ", bad.Stderr);
        Assert.Contains("not a usable protobuf descriptor set", bad.Stderr);
    }

    /// <summary>A gRPC client of another stack in its own process: Python's grpcio (Debian's, in /usr/bin/python3).</summary>
    private const string PythonGrpcClient = """
        import sys, grpc
        channel = grpc.insecure_channel(sys.argv[1])
        say = channel.unary_unary("/test.echo.v1.Echo/Say")
        for n in range(3):
            print(say(bytes([n, 1, 2, 3])).hex())
        try:
            channel.unary_unary("/test.echo.v1.Echo/Fail")(b"\x09")
        except grpc.RpcError as e:
            print(e.code().name)
        """;

    [Fact]
    public async Task A_python_grpc_client_in_its_own_process_recorded_at_the_server_only_is_exact_and_replays_with_exit_0()
    {
        BpfRequirement.Ensure();
        const string python = "/usr/bin/python3";
        ToolRequirement.Ensure(File.Exists(python) && ChildProcess.Start(python, ["-c", "import grpc"]) is var check
            && await check.WaitForExitAsync(TimeSpan.FromSeconds(30)) == 0, "grpcio for /usr/bin/python3", "Debian package python3-grpcio");
        await using var server = await H2cServer.StartAsync();
        using var scratch = new ScratchDirectory();
        await File.WriteAllTextAsync(scratch.File("client.py"), PythonGrpcClient, Ct);

        // Only the server's end: Kestrel runs in this process, the client in its own.
        using var recording = await RecordingSession.StartAsync("--pid", Port(Environment.ProcessId), "--port", Port(server.Port));
        using (var client = ChildProcess.Start(python, [scratch.File("client.py"), $"127.0.0.1:{server.Port}"]))
        {
            Assert.True(await client.WaitForExitAsync(TimeSpan.FromSeconds(60)) == 0, client.Stderr);
            Assert.Equal(["03020100", "03020101", "03020102", "NOT_FOUND"], client.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        }
        await Task.Delay(300, Ct);
        var result = await recording.StopAsync();
        Assert.All(result.Read().Connections, c => Assert.Equal(Environment.ProcessId, c.Opened.Pid));

        var entries = await HarEntries(result.CapturePath, scratch);
        var grpc = entries.Select(e => e.GetProperty("_grpc")).ToList();
        Assert.Equal(["Say", "Say", "Say", "Fail"], grpc.Select(g => g.GetProperty("method").GetString()));
        Assert.Equal([0, 0, 0, 5], grpc.Select(g => g.GetProperty("status").GetInt32()));
        Assert.Equal([2, 1, 2, 3], Convert.FromBase64String(grpc[2].GetProperty("requestMessages")[0].GetProperty("data").GetString()!));
        Assert.Equal([3, 2, 1, 2], Convert.FromBase64String(grpc[2].GetProperty("responseMessages")[0].GetProperty("data").GetString()!));

        await using var fresh = await H2cServer.StartAsync();
        var replay = await CaptureCli.RunAsync("replay", result.CapturePath, "--target", $"http://127.0.0.1:{fresh.Port}", "--max");
        Assert.True(replay.ExitCode == 0, replay.Stdout + replay.Stderr);
        Assert.Contains("gRPC test.echo.v1.Echo/Say", replay.Stdout);
    }

    [Fact]
    public async Task Curl_https_negotiating_h2_with_nginx_recorded_with_tls_at_nginx_is_exact_http2()
    {
        BpfRequirement.Ensure();
        Assert.True(NginxServer.IsInstalled, "nginx is not installed (Debian package nginx-light; tests/install-deps.sh installs it)");
        using var certificate = await SelfSignedCertificate.CreateAsync();
        using var nginx = await NginxServer.StartAsync(h2OverTls: certificate);
        byte[] big = PythonHttpServer.Pattern(250_000);
        await File.WriteAllTextAsync(System.IO.Path.Combine(nginx.Root, "hello.txt"), "hello over h2 and tls\n", Ct);
        await File.WriteAllBytesAsync(System.IO.Path.Combine(nginx.Root, "big.bin"), big, Ct);
        using var scratch = new ScratchDirectory();
        string url = $"https://127.0.0.1:{nginx.Port}";

        using var recording = await RecordingSession.StartAsync("--tls", "--comm", "nginx", "--port", Port(nginx.Port));
        // Two URLs in one curl: one connection, streams 1 and 3.
        var curl = await Curl.RunAsync("--http2", "--cacert", certificate.CertificatePath, "-o", scratch.File("hello"), "-o", scratch.File("big"), $"{url}/hello.txt", $"{url}/big.bin");
        // What curl negotiated by ALPN, from curl itself.
        var probe = await Curl.RunAsync("--http2", "--cacert", certificate.CertificatePath, "-o", "/dev/null", "-w", "%{http_version}", $"{url}/hello.txt");
        Assert.Equal("2", Encoding.ASCII.GetString(probe.Stdout));
        Assert.Equal(big, await File.ReadAllBytesAsync(scratch.File("big"), Ct));
        await Task.Delay(300, Ct);
        var result = await recording.StopAsync();
        Assert.All(result.Read().Connections, c => Assert.Equal("nginx", c.Opened.ProcessName));
        Assert.NotEqual(0, curl.Pid);

        var entries = await HarEntries(result.CapturePath, scratch);
        Assert.Equal(["/hello.txt", "/big.bin", "/hello.txt"], entries.Select(Path));
        Assert.All(entries, e => Assert.StartsWith($"{url}/", HarOfCapture.Url(e), StringComparison.Ordinal));
        Assert.Equal([1, 3, 1], entries.Select(e => e.GetProperty("_stream").GetInt32()));
        Assert.All(entries, e => Assert.False(e.GetProperty("_incomplete").GetBoolean()));
        Assert.Equal("hello over h2 and tls\n", Encoding.UTF8.GetString(HarOfCapture.ResponseBody(entries[0])));
        Assert.Equal(big, HarOfCapture.ResponseBody(entries[1]));
        Assert.Contains(HeaderNames(entries[0].GetProperty("response")), n => n == "server");
        Assert.Equal([":authority", ":method", ":path", ":scheme"], HeaderNames(entries[0].GetProperty("request")).Take(4));

        // The plaintext in pcapng: Wireshark's HTTP/2 dissector with the port mapped (docs/pcapng-export.md).
        string pcap = scratch.File("h2tls.pcapng");
        var export = await CaptureCli.RunAsync("pcap", result.CapturePath, "-o", pcap);
        Assert.True(export.ExitCode == 0, export.Stderr);
        Assert.Equal([["/hello.txt"], ["/big.bin"], ["/hello.txt"]],
            PcapTshark.Fields(pcap, "http2.headers.path", ["-d", $"tcp.port=={nginx.Port},http2"], "http2.headers.path"));

        // Replayed from the capture against a fresh nginx serving the same files: h2 by ALPN, every answer the same.
        using var fresh = await NginxServer.StartAsync(h2OverTls: certificate);
        await File.WriteAllTextAsync(System.IO.Path.Combine(fresh.Root, "hello.txt"), "hello over h2 and tls\n", Ct);
        await File.WriteAllBytesAsync(System.IO.Path.Combine(fresh.Root, "big.bin"), big, Ct);
        var replay = await CaptureCli.RunAsync("replay", result.CapturePath, "--target", $"https://127.0.0.1:{fresh.Port}", "--insecure", "--max",
            "--har-out", scratch.File("replayed.har"));
        Assert.True(replay.ExitCode == 0, replay.Stdout + replay.Stderr);
        Assert.All(Capture.Traffic.Har.HarReader.Read(scratch.File("replayed.har")).Entries, e => Assert.Equal("HTTP/2.0", e.Response.HttpVersion));
    }
}
