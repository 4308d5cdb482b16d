using System.Net.Http.Headers;
using System.Text;

namespace Capture.Cli.Demo;

/// <summary>
/// A fixed mix of requests against the demo service, sent over a few keep-alive connections
/// at once, the way a handful of clients would: JSON reads, posts, a gzip report, slow calls.
/// </summary>
public static class DemoTraffic
{
    public static async Task<int> DriveAsync(Uri service, int requests, CancellationToken cancellation)
    {
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = 4, AutomaticDecompression = System.Net.DecompressionMethods.None };
        using var client = new HttpClient(handler) { BaseAddress = service, Timeout = TimeSpan.FromSeconds(10) };
        client.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("capture-demo", "1.0"));
        int sent = 0;
        await Parallel.ForEachAsync(Enumerable.Range(0, requests), new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = cancellation },
            async (i, ct) =>
            {
                using var request = Build(i);
                using var response = await client.SendAsync(request, ct);
                await response.Content.ReadAsByteArrayAsync(ct);
                Interlocked.Increment(ref sent);
            });
        return sent;
    }

    private static HttpRequestMessage Build(int i) => (i % 10) switch
    {
        0 or 1 or 2 => new HttpRequestMessage(HttpMethod.Get, $"/api/orders/{i + 1}"),
        3 or 4 => new HttpRequestMessage(HttpMethod.Get, $"/api/orders?page={i % 4 + 1}"),
        5 or 6 => new HttpRequestMessage(HttpMethod.Post, "/api/echo")
        {
            Content = new StringContent($"{{\"sku\":\"SKU-{i:D5}\",\"quantity\":{i % 7 + 1}}}", Encoding.UTF8, "application/json"),
        },
        7 => new HttpRequestMessage(HttpMethod.Get, "/api/report") { Headers = { AcceptEncoding = { new StringWithQualityHeaderValue("gzip") } } },
        8 => new HttpRequestMessage(HttpMethod.Get, $"/api/slow?ms={100 + i % 5 * 20}"),
        _ => new HttpRequestMessage(HttpMethod.Get, "/healthz"),
    };
}
