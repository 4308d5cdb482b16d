using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Capture.EndToEnd.Tests.Infrastructure;

/// <summary>A real Kestrel server inside the test process on loopback (127.0.0.1 by default) with a port of its own choosing.</summary>
public sealed class KestrelServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    public Uri BaseAddress { get; }
    public int Port => BaseAddress.Port;

    private KestrelServer(WebApplication app, Uri baseAddress)
    {
        _app = app;
        BaseAddress = baseAddress;
    }

    /// <param name="routes">Maps the endpoints, e.g. <c>app => app.MapGet("/hello", () => "hi")</c>.</param>
    /// <param name="url">Where to listen; port 0 lets the kernel choose (e.g. "http://[::1]:0" for IPv6).</param>
    /// <param name="certificate">For an https:// url: the server's certificate (Kestrel's TLS is .NET's SslStream over OpenSSL).</param>
    public static async Task<KestrelServer> StartAsync(Action<WebApplication> routes, string url = "http://127.0.0.1:0",
        SelfSignedCertificate? certificate = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls(url);
        if (certificate is not null)
        {
            var serverCertificate = X509Certificate2.CreateFromPemFile(certificate.CertificatePath, certificate.KeyPath);
            builder.WebHost.UseKestrelHttpsConfiguration();
            builder.WebHost.ConfigureKestrel(k => k.ConfigureHttpsDefaults(https => https.ServerCertificate = serverCertificate));
        }
        var app = builder.Build();
        routes(app);
        await app.StartAsync();
        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new KestrelServer(app, new Uri(address.EndsWith('/') ? address : address + "/"));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
