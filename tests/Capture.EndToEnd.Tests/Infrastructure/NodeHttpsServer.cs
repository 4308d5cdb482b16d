using System.Globalization;
using Capture.Tests.Shared;

namespace Capture.EndToEnd.Tests.Infrastructure;

/// <summary>
/// A real Node.js `https` server (Infrastructure/Node/https_server.js) on 127.0.0.1 in its own process:
/// OpenSSL linked into the node binary, driven over Node's own memory BIO. GET /bytes/N answers
/// <see cref="PythonHttpServer.Pattern"/>(N), POST /echo answers the request body.
/// </summary>
public sealed class NodeHttpsServer : IDisposable
{
    private readonly ChildProcess _process;

    public int Port { get; }
    public int Pid => _process.Id;
    public Uri BaseAddress => new($"https://127.0.0.1:{Port}/");

    private NodeHttpsServer(ChildProcess process, int port)
    {
        _process = process;
        Port = port;
    }

    public static async Task<NodeHttpsServer> StartAsync(SelfSignedCertificate certificate)
    {
        string node = ToolRequirement.Find("node", "apt-get install nodejs");
        string script = Path.Combine(AppContext.BaseDirectory, "Infrastructure", "Node", "https_server.js");
        var process = ChildProcess.Start(node, [script, certificate.CertificatePath, certificate.KeyPath]);
        try
        {
            string line = await process.WaitForLineAsync("listening on ", TimeSpan.FromSeconds(30));
            return new NodeHttpsServer(process, int.Parse(line["listening on ".Length..], CultureInfo.InvariantCulture));
        }
        catch
        {
            process.Dispose();
            throw;
        }
    }

    public void Dispose() => _process.Dispose();
}
