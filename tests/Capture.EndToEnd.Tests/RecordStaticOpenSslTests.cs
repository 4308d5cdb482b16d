using System.Globalization;
using Capture.EndToEnd.Tests.Infrastructure;
using Capture.Format.Records;

namespace Capture.EndToEnd.Tests;

/// <summary>HTTPS from a program with OpenSSL linked in statically: found in its maps, probed, recorded as plaintext.</summary>
public class RecordStaticOpenSslTests
{
    private const string StaticOpenSsl = "/usr/lib/x86_64-linux-gnu";

    [Fact]
    public async Task A_server_with_openssl_linked_statically_is_probed_and_its_exchanges_recorded_as_plaintext()
    {
        BpfRequirement.Ensure();
        Assert.True(File.Exists($"{StaticOpenSsl}/libssl.a"), "libssl.a is missing (Debian package libssl-dev)");
        string program = await NativeClient.BuildAsync("static_tls_server",
            $"{StaticOpenSsl}/libssl.a", $"{StaticOpenSsl}/libcrypto.a", "-lpthread", "-ldl");
        using var certificate = await SelfSignedCertificate.CreateAsync();
        using var server = ChildProcess.Start(program, [certificate.CertificatePath, certificate.KeyPath]);
        string listening = await server.WaitForLineAsync("listening on ", TimeSpan.FromSeconds(30));
        int port = int.Parse(listening["listening on ".Length..], CultureInfo.InvariantCulture);
        Assert.DoesNotContain("libssl.so", File.ReadAllText($"/proc/{server.Id}/maps")); // really static

        using var recording = await RecordingSession.StartAsync("--pid", server.Id.ToString(CultureInfo.InvariantCulture));
        string baseUrl = $"https://127.0.0.1:{port}";
        var curl = await Curl.RunAsync("-k", $"{baseUrl}/first", $"{baseUrl}/second?x=1"); // one keep-alive connection
        var result = await recording.StopAsync();

        Assert.Equal(0, curl.ExitCode);
        // Probed through /proc/PID/root, so that a program in a container opens its own file.
        Assert.Contains(result.Summary.GetProperty("tlsLibraries").EnumerateArray(), e => e.GetString()!.EndsWith("/root" + program, StringComparison.Ordinal));
        using var har = HarOfCapture.Convert(result.CapturePath);
        foreach (string path in (string[])["/first", "/second?x=1"])
        {
            var entry = Assert.Single(har.Entries, e => HarOfCapture.Url(e) == baseUrl + path);
            Assert.Equal($"static-tls:{path}", entry.GetProperty("response").GetProperty("content").GetProperty("text").GetString());
            Assert.Equal(server.Id, entry.GetProperty("_pid").GetInt32());
        }
        var capture = result.Read();
        Assert.Contains(capture.Records.OfType<TlsStackRecord>(), t => (t.Stack, t.Pid, t.Probed) == (TlsStack.OpenSslStatic, server.Id, true)
            && t.Path.EndsWith("/root" + program, StringComparison.Ordinal));
        TlsAssert.NoCiphertext(capture);
    }
}
