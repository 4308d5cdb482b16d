using System.Net.Sockets;

namespace Capture.EndToEnd.Tests.Infrastructure;

/// <summary>
/// A real nginx (Debian nginx-light) serving <see cref="Root"/> on 127.0.0.1 from a temporary prefix
/// with its own config (sendfile on, one worker, no daemon). Disposing kills master and worker.
/// </summary>
public sealed class NginxServer : IDisposable
{
    private readonly ChildProcess _process;
    private readonly string _prefix;

    public int Port { get; }
    public string Root { get; }
    public int MasterPid => _process.Id;
    public Uri BaseAddress => new($"http://127.0.0.1:{Port}/");

    private NginxServer(ChildProcess process, string prefix, int port)
    {
        _process = process;
        _prefix = prefix;
        Port = port;
        Root = Path.Combine(prefix, "www");
    }

    public static bool IsInstalled => File.Exists("/usr/sbin/nginx");

    /// <param name="sendfile">nginx's sendfile directive.</param>
    /// <param name="parentDirectory">Where the temporary prefix is created (default: the temp directory), e.g. another mount.</param>
    /// <param name="h2OverTls">Serve HTTPS with this certificate, offering h2 by ALPN (nginx 1.22's "listen ... ssl http2").</param>
    public static async Task<NginxServer> StartAsync(bool sendfile = true, string? parentDirectory = null, SelfSignedCertificate? h2OverTls = null)
    {
        string prefix = parentDirectory is null
            ? Directory.CreateTempSubdirectory("capture-nginx-").FullName
            : Directory.CreateDirectory(Path.Combine(parentDirectory, $"capture-nginx-{Guid.NewGuid():N}")).FullName;
        Directory.CreateDirectory(Path.Combine(prefix, "www"));
        // The worker runs unprivileged (nobody / www-data): it must be able to reach the files.
        var readable = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
                       UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;
        if (OperatingSystem.IsLinux())
        {
            File.SetUnixFileMode(prefix, readable);
            File.SetUnixFileMode(Path.Combine(prefix, "www"), readable);
        }
        Directory.CreateDirectory(Path.Combine(prefix, "temp"));
        int port = FreePort.Next();
        string config = $$"""
            daemon off;
            master_process on;
            worker_processes 1;
            pid {{prefix}}/nginx.pid;
            error_log {{prefix}}/error.log warn;
            events { worker_connections 256; }
            http {
                access_log off;
                sendfile {{(sendfile ? "on" : "off")}};
                keepalive_timeout 30s;
                client_body_temp_path {{prefix}}/temp/body;
                proxy_temp_path {{prefix}}/temp/proxy;
                fastcgi_temp_path {{prefix}}/temp/fastcgi;
                uwsgi_temp_path {{prefix}}/temp/uwsgi;
                scgi_temp_path {{prefix}}/temp/scgi;
                default_type application/octet-stream;
                server {
                    listen 127.0.0.1:{{port}}{{(h2OverTls is null ? "" : " ssl http2")}};
                    {{(h2OverTls is null ? "" : $"ssl_certificate {h2OverTls.CertificatePath}; ssl_certificate_key {h2OverTls.KeyPath};")}}
                    root {{prefix}}/www;
                }
            }
            """;
        string configPath = Path.Combine(prefix, "nginx.conf");
        await File.WriteAllTextAsync(configPath, config);
        var process = ChildProcess.Start("/usr/sbin/nginx", ["-p", prefix, "-c", configPath]);
        var server = new NginxServer(process, prefix, port);
        try
        {
            await WaitUntilListeningAsync(port, process);
            return server;
        }
        catch
        {
            server.Dispose();
            throw;
        }
    }

    private static async Task WaitUntilListeningAsync(int port, ChildProcess process)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (true)
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync("127.0.0.1", port);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline && !process.HasExited)
            {
                await Task.Delay(50);
            }
            catch (SocketException)
            {
                throw new InvalidOperationException($"nginx did not listen on {port}: {process.Stderr}");
            }
        }
    }

    public void Dispose()
    {
        _process.Dispose();
        try
        {
            Directory.Delete(_prefix, recursive: true);
        }
        catch (IOException)
        {
            // best effort
        }
    }
}
