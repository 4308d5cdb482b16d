using System.Diagnostics;

namespace Capture.EndToEnd.Tests.Infrastructure;

/// <summary>
/// A Python ssl client (OpenSSL's libssl) that sends one GET and reads the answer in small recv() calls,
/// so that most reads are served from OpenSSL's buffer of a decrypted record without a socket call.
/// </summary>
public static class SmallReadsClient
{
    public sealed record Result(int Pid, byte[] Response);

    public static async Task<Result> RunAsync(SelfSignedCertificate certificate, int port, string path, int readSize)
    {
        using var scratch = new ScratchDirectory();
        string script = scratch.File("client.py");
        string output = scratch.File("response.bin");
        await File.WriteAllTextAsync(script, Script);
        var start = new ProcessStartInfo("python3") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in (string[])[script, certificate.CertificatePath, port.ToString(System.Globalization.CultureInfo.InvariantCulture), path,
                     readSize.ToString(System.Globalization.CultureInfo.InvariantCulture), output])
            start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        int pid = process.Id;
        Task<string> errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("the small-reads TLS client did not finish");
        }
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"the small-reads TLS client failed with {process.ExitCode}: {await errors}");
        return new Result(pid, await File.ReadAllBytesAsync(output));
    }

    private const string Script = """
        # GET PATH over TLS, reading the answer READSIZE bytes at a time (SmallReadsClient.cs); writes it to OUT.
        import socket
        import ssl
        import sys

        cafile, port, path, read_size, out = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), sys.argv[5]
        context = ssl.create_default_context(cafile=cafile)
        with socket.create_connection(("127.0.0.1", port), timeout=30) as raw:
            with context.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
                tls.sendall(("GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n\r\n" % (path, port)).encode("ascii"))
                response = b""
                while b"\r\n\r\n" not in response:
                    response += tls.recv(read_size)
                head = response.split(b"\r\n\r\n", 1)[0].decode("latin-1")
                length = next(int(line.split(":", 1)[1]) for line in head.split("\r\n") if line.lower().startswith("content-length:"))
                while len(response) < len(head) + 4 + length:
                    chunk = tls.recv(read_size)
                    if not chunk:
                        sys.exit("the connection ended early")
                    response += chunk
        with open(out, "wb") as f:
            f.write(response)
        """;
}
