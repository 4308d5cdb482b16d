using System.Globalization;
using System.Net;
using System.Text;
using Capture.EndToEnd.Tests.Infrastructure;
using Capture.Format.Records;
using Capture.Traffic;
using Capture.Traffic.Http2;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Capture.EndToEnd.Tests;

/// <summary>
/// HTTP/2 is recognised as HTTP in the kernel (the client connection preface), so an h2c connection
/// is recorded without --all-tcp; the traffic library decodes the recorded server end exactly.
/// </summary>
public class RecordHttp2Tests
{
    [Fact]
    public async Task An_h2c_connection_is_recorded_as_http_and_its_streams_decode_exactly()
    {
        BpfRequirement.Ensure();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2));
        await using var app = builder.Build();
        app.MapGet("/hello/{n:int}", (int n) => $"hello {n} over h2c");
        await app.StartAsync(TestContext.Current.CancellationToken);
        int port = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()).Port;

        using var recording = await RecordingSession.StartAsync("--port", port.ToString(CultureInfo.InvariantCulture));
        using (var client = new HttpClient { DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact })
        {
            var answers = await Task.WhenAll(Enumerable.Range(1, 5).Select(n =>
                client.GetStringAsync($"http://127.0.0.1:{port}/hello/{n}", TestContext.Current.CancellationToken)));
            Assert.Equal(Enumerable.Range(1, 5).Select(n => $"hello {n} over h2c"), answers);
        }
        await Task.Delay(500, TestContext.Current.CancellationToken);
        var result = await recording.StopAsync();
        var capture = result.Read();

        // har decodes the streams (one entry per stream) instead of inventing HTTP/1 exchanges from the preface.
        var har = await Cli.CaptureCli.RunAsync("har", result.CapturePath, "-o", "-");
        Assert.Equal(0, har.ExitCode);
        Assert.StartsWith("Wrote 5 exchange(s)", har.Stderr);
        Assert.DoesNotContain("\"PRI\"", har.Stdout);

        var server = Assert.Single(capture.ServersOn(port));
        Assert.StartsWith("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", server.IngressText);
        var exchanges = new List<Http2Exchange>();
        using (var connection = new Http2Connection(exchanges.Add))
        {
            foreach (var data in server.Data.OrderBy(d => d.TimestampNs).ThenBy(d => d.StreamOffset))
                connection.OnData(data.Direction == Direction.Ingress ? TrafficDirection.ClientToServer : TrafficDirection.ServerToClient, data.Payload, data.TimestampNs);
            connection.OnEnd(capture.Records[^1].TimestampNs);
        }
        Assert.Equal(5, exchanges.Count);
        foreach (var exchange in exchanges)
        {
            Assert.False(exchange.Incomplete);
            Assert.Equal("GET", exchange.Request.Method);
            int n = int.Parse(exchange.Request.Path!["/hello/".Length..], CultureInfo.InvariantCulture);
            Assert.Equal(200, exchange.Response.Status);
            Assert.Equal($"hello {n} over h2c", Encoding.UTF8.GetString(exchange.Response.Body.Span));
        }
    }
}
