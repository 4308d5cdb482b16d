using System.IO.Compression;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Capture.Cli.Demo;

/// <summary>
/// The small HTTP service `capture demo` records and replays against: a JSON API, a body echo,
/// a gzip response and a slow route. The "changed" variant answers one route differently,
/// as a release that broke something would.
/// </summary>
public static class DemoService
{
    public static WebApplication Build(int port, bool changed)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(System.Net.IPAddress.Loopback, port));
        var app = builder.Build();

        app.MapGet("/healthz", () => Results.Text("ok"));
        app.MapGet("/api/orders/{id:int}", (int id) => Results.Json(Order(id, changed)));
        app.MapGet("/api/orders", (int? page) => Results.Json(new
        {
            page = page ?? 1,
            items = Enumerable.Range(((page ?? 1) - 1) * 5 + 1, 5).Select(id => Order(id, changed: false)),
            generatedAt = DateTime.UtcNow,
        }));
        app.MapPost("/api/echo", async (HttpRequest request) =>
        {
            using var body = new MemoryStream();
            await request.Body.CopyToAsync(body);
            return Results.Bytes(body.ToArray(), request.ContentType ?? "application/octet-stream");
        });
        app.MapGet("/api/report", (HttpResponse response) =>
        {
            var json = JsonSerializer.SerializeToUtf8Bytes(new
            {
                rows = Enumerable.Range(1, 200).Select(i => new { day = $"2026-11-{i % 28 + 1:D2}", orders = i * 7 % 113, revenue = i * 31.5 }),
            });
            using var compressed = new MemoryStream();
            using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
                gzip.Write(json);
            response.Headers.ContentEncoding = "gzip";
            return Results.Bytes(compressed.ToArray(), "application/json");
        });
        app.MapGet("/api/slow", async (int? ms) =>
        {
            await Task.Delay(Math.Clamp(ms ?? 150, 0, 2000));
            return Results.Text("finally\n");
        });
        return app;
    }

    private static object Order(int id, bool changed) => new
    {
        id,
        customer = $"customer-{id % 17}",
        // The deliberate regression: totals in cents instead of euros.
        total = changed ? id * 1999 : id * 19.99m, // decimal: 419.79, not 419.78999999999996
        currency = "EUR",
        status = (id % 3) switch { 0 => "paid", 1 => "pending", _ => "shipped" },
        generatedAt = DateTime.UtcNow,
    };
}
