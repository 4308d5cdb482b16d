using System.Net;
using System.Text;
using Capture.Format.Records;

namespace Capture.Benchmarks;

/// <summary>
/// Synthetic but realistic HTTP/1.1 JSON API traffic as capture records: keep-alive connections,
/// varied routes, request ids, JSON bodies of a few hundred bytes to a few KiB, as an API gateway sees.
/// </summary>
public static class JsonApiTraffic
{
    private static readonly string[] Routes = ["/api/v1/orders", "/api/v1/customers", "/api/v1/products", "/api/v1/invoices", "/healthz"];
    private static readonly string[] Names = ["Ada", "Grace", "Linus", "Barbara", "Ken", "Margaret", "Dennis", "Radia"];

    /// <summary>Yields records until at least <paramref name="payloadBytes"/> of payload have been produced.</summary>
    public static IEnumerable<CaptureRecord> Generate(long payloadBytes, int seed = 1)
    {
        var random = new Random(seed);
        ulong ts = 5_000_000_000;
        long produced = 0;
        ulong connection = 0;
        yield return new ProcessRecord(ts, 3100, "orders-api", "/usr/bin/dotnet /srv/orders-api/OrdersApi.dll --urls http://0.0.0.0:8080");
        while (produced < payloadBytes)
        {
            connection++;
            var remote = new IPEndPoint(IPAddress.Parse($"10.1.{random.Next(256)}.{random.Next(1, 255)}"), random.Next(32768, 60999));
            yield return new ConnectionOpenedRecord(ts += 20_000, connection, 3100, (int)(20 + connection % 500), "orders-api",
                ConnectionRole.Server, ConnectionSource.Accept, new IPEndPoint(IPAddress.Parse("10.0.0.5"), 8080), remote, ConnectionFlags.None);
            ulong inOffset = 0, outOffset = 0;
            int exchanges = random.Next(1, 40);
            for (int e = 0; e < exchanges && produced < payloadBytes; e++)
            {
                bool post = random.Next(5) == 0;
                byte[] request = Request(random, post);
                byte[] response = Response(random, post);
                yield return new DataRecord(ts += (ulong)random.Next(50_000, 2_000_000), connection, Direction.Ingress, inOffset, request, 0, DataFlags.None);
                yield return new DataRecord(ts += (ulong)random.Next(200_000, 20_000_000), connection, Direction.Egress, outOffset, response, 0, DataFlags.None);
                inOffset += (ulong)request.Length;
                outOffset += (ulong)response.Length;
                produced += request.Length + response.Length;
            }
            yield return new ConnectionClosedRecord(ts += 10_000, connection, outOffset, inOffset);
        }
    }

    private static byte[] Request(Random random, bool post)
    {
        string route = Routes[random.Next(Routes.Length)];
        var sb = new StringBuilder();
        string body = post ? Entity(random, random.Next(1, 3)) : "";
        sb.Append(post ? "POST " : "GET ").Append(route);
        if (!post && route != "/healthz")
            sb.Append('/').Append(random.Next(1, 2_000_000)).Append("?expand=").Append(random.Next(2) == 0 ? "lines" : "customer");
        sb.Append(" HTTP/1.1\r\nHost: orders-api.internal:8080\r\nUser-Agent: checkout-service/4.12.0 (+dotnet 10.0)\r\n")
          .Append("Accept: application/json\r\nAccept-Encoding: identity\r\nConnection: keep-alive\r\n")
          .Append("traceparent: 00-").Append(Hex(random, 16)).Append('-').Append(Hex(random, 8)).Append("-01\r\n")
          .Append("X-Request-Id: ").Append(Guid.NewGuid()).Append("\r\n")
          .Append("Authorization: Bearer eyJhbGciOiJSUzI1NiJ9.").Append(Hex(random, 24)).Append("\r\n");
        if (post)
            sb.Append("Content-Type: application/json\r\nContent-Length: ").Append(Encoding.UTF8.GetByteCount(body)).Append("\r\n");
        sb.Append("\r\n").Append(body);
        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    private static byte[] Response(Random random, bool post)
    {
        string body = post ? Entity(random, 1) : $"{{\"data\":[{Entity(random, random.Next(1, 12))}],\"page\":{random.Next(1, 50)},\"pageSize\":20,\"total\":{random.Next(20, 5000)}}}";
        string head = $"HTTP/1.1 {(post ? "201 Created" : "200 OK")}\r\nContent-Type: application/json; charset=utf-8\r\n" +
                      $"Date: Tue, 17 Nov 2026 14:02:{random.Next(60):D2} GMT\r\nServer: Kestrel\r\nCache-Control: no-store\r\n" +
                      $"X-Request-Id: {Guid.NewGuid()}\r\nContent-Length: {Encoding.UTF8.GetByteCount(body)}\r\n\r\n";
        return Encoding.UTF8.GetBytes(head + body);
    }

    private static string Entity(Random random, int count)
    {
        var sb = new StringBuilder();
        for (int i = 0; i < count; i++)
        {
            if (i > 0) sb.Append(',');
            sb.Append("{\"id\":").Append(random.Next(1, 9_999_999))
              .Append(",\"customer\":{\"id\":").Append(random.Next(1, 99_999)).Append(",\"name\":\"").Append(Names[random.Next(Names.Length)]).Append(' ').Append((char)('A' + random.Next(26))).Append(".\"}")
              .Append(",\"status\":\"").Append(random.Next(3) switch { 0 => "pending", 1 => "paid", _ => "shipped" }).Append('"')
              .Append(",\"lines\":[");
            int lines = random.Next(1, 5);
            for (int l = 0; l < lines; l++)
            {
                if (l > 0) sb.Append(',');
                sb.Append("{\"sku\":\"SKU-").Append(random.Next(100_000).ToString("D6")).Append("\",\"quantity\":").Append(random.Next(1, 9))
                  .Append(",\"unitPrice\":").Append((random.Next(100, 50_000) / 100.0).ToString("F2", System.Globalization.CultureInfo.InvariantCulture)).Append('}');
            }
            sb.Append("],\"currency\":\"EUR\",\"createdAt\":\"2026-11-").Append(random.Next(1, 29).ToString("D2")).Append('T')
              .Append(random.Next(24).ToString("D2")).Append(':').Append(random.Next(60).ToString("D2")).Append(':').Append(random.Next(60).ToString("D2")).Append(".").Append(random.Next(1000).ToString("D3")).Append("Z\"}");
        }
        return sb.ToString();
    }

    private static string Hex(Random random, int bytes)
    {
        Span<byte> b = stackalloc byte[bytes];
        random.NextBytes(b);
        return Convert.ToHexStringLower(b);
    }
}
