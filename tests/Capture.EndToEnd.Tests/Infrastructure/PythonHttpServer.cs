namespace Capture.EndToEnd.Tests.Infrastructure;

/// <summary>
/// A real Python http.server (HTTP/1.1, threaded) on 127.0.0.1 with a port of its own choosing:
/// GET /bytes/N (N pattern bytes in one write), POST /echo, and static files from <see cref="Directory"/>.
/// With a certificate it serves HTTPS through Python's ssl module (OpenSSL's libssl).
/// Disposing kills it and removes its directory.
/// </summary>
public sealed class PythonHttpServer : IDisposable
{
    private readonly ChildProcess _process;
    private readonly string _root;
    private readonly string _scheme;

    public int Port { get; }
    public int Pid => _process.Id;
    public string Directory { get; }
    public Uri BaseAddress => new($"{_scheme}://127.0.0.1:{Port}/");

    private PythonHttpServer(ChildProcess process, int port, string root, string scheme)
    {
        _process = process;
        Port = port;
        _root = root;
        _scheme = scheme;
        Directory = Path.Combine(root, "www");
    }

    public static async Task<PythonHttpServer> StartAsync(SelfSignedCertificate? tls = null)
    {
        string root = System.IO.Directory.CreateTempSubdirectory("capture-py-").FullName;
        string www = System.IO.Directory.CreateDirectory(Path.Combine(root, "www")).FullName;
        string script = Path.Combine(root, "server.py");
        await File.WriteAllTextAsync(script, Script);
        string[] tlsArguments = tls is null ? [] : [tls.CertificatePath, tls.KeyPath];
        var process = ChildProcess.Start("python3", ["-u", script, www, .. tlsArguments]);
        try
        {
            string line = await process.WaitForLineAsync("listening on ", TimeSpan.FromSeconds(30));
            return new PythonHttpServer(process, int.Parse(line["listening on ".Length..]), root, tls is null ? "http" : "https");
        }
        catch
        {
            process.Dispose();
            System.IO.Directory.Delete(root, recursive: true);
            throw;
        }
    }

    /// <summary>An HttpClient that sends every request over one keep-alive connection to this server, kept open while idle.</summary>
    public HttpClient KeepAliveClient() => new(new SocketsHttpHandler
    {
        MaxConnectionsPerServer = 1,
        PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
    }) { BaseAddress = BaseAddress };

    /// <summary>The bytes GET /bytes/N returns: byte i is (i * 31 + 7) mod 251.</summary>
    public static byte[] Pattern(int length)
    {
        var bytes = new byte[length];
        for (int i = 0; i < length; i++)
            bytes[i] = (byte)((i * 31L + 7) % 251);
        return bytes;
    }

    public void Dispose()
    {
        _process.Dispose();
        try
        {
            System.IO.Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // best effort
        }
    }

    private const string Script = """
        # A small HTTP/1.1 server for the end-to-end tests (started by PythonHttpServer.cs).
        #   GET /bytes/N  -> N bytes of the test pattern, written with ONE sendall (one large syscall)
        #   POST /echo    -> the request body
        #   GET /other    -> a file from the served directory (http.server's own handler)
        # With CERT and KEY arguments after the directory it serves HTTPS (the ssl module, i.e. OpenSSL).
        # Prints "listening on PORT" once ready.
        import http.server
        import os
        import ssl
        import sys

        PATTERN = bytes((i * 31 + 7) % 251 for i in range(251))


        def pattern(n):
            return (PATTERN * (n // len(PATTERN) + 1))[:n]


        class Handler(http.server.SimpleHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format, *args):
                pass

            def do_GET(self):
                if self.path.startswith("/bytes/"):
                    body = pattern(int(self.path[len("/bytes/"):]))
                    head = ("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
                            "Content-Length: %d\r\n\r\n" % len(body)).encode("ascii")
                    self.wfile.write(head + body)
                    self.wfile.flush()
                    return
                super().do_GET()

            def do_POST(self):
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)


        def main():
            directory = sys.argv[1]
            handler = lambda *a, **kw: Handler(*a, directory=directory, **kw)
            server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
            server.daemon_threads = True
            if len(sys.argv) > 3:
                context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
                context.load_cert_chain(sys.argv[2], sys.argv[3])
                server.socket = context.wrap_socket(server.socket, server_side=True)
            print("listening on %d" % server.server_address[1], flush=True)
            server.serve_forever()


        if __name__ == "__main__":
            main()
        """;
}
