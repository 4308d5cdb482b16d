using System.Net;
using Grpc.AspNetCore.Server;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Capture.Traffic.Tests.RealTraffic;

/// <summary>Kestrel speaking HTTP/2 without TLS (h2c, prior knowledge) on 127.0.0.1, with plain and gRPC endpoints.</summary>
internal sealed class H2cServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private H2cServer(WebApplication app, int port)
    {
        _app = app;
        Port = port;
    }

    public int Port { get; }

    /// <summary>The body /big/{n} sends: n octets of a fixed pattern, so that tests can compare.</summary>
    public static byte[] BigBody(int length) => Enumerable.Range(0, length).Select(i => (byte)(i * 7 + i / 251)).ToArray();

    public static async Task<H2cServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        var app = builder.Build();
        app.MapGet("/hello", () => "hello over h2");
        app.MapGet("/big/{n:int}", async (HttpContext context, int n) =>
        {
            context.Response.ContentType = "application/octet-stream";
            await context.Response.Body.WriteAsync(BigBody(n));
        });
        app.MapPost("/echo", async context =>
        {
            context.Response.ContentType = context.Request.ContentType ?? "application/octet-stream";
            await context.Request.Body.CopyToAsync(context.Response.Body);
        });
        app.MapGet("/trailers", async context =>
        {
            await context.Response.WriteAsync("body before trailers");
            context.Response.AppendTrailer("x-checksum", "c0ffee");
        });
        app.MapGet("/status/{code:int}", (int code) => Results.StatusCode(code));
        // A response header with a few recurring values, which Kestrel's HPACK encoder indexes.
        app.MapGet("/tag/{n:int}", (HttpContext context, int n) =>
        {
            context.Response.Headers["x-tag"] = $"tag-value-{n % 7}";
            context.Response.Headers["x-shard"] = $"shard-{n % 3}";
            return $"item {n}";
        });
        app.MapGrpcService<EchoGrpcService>();
        app.MapGrpcService<CatalogGrpcService>();
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new H2cServer(app, new Uri(address).Port);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>
/// A gRPC service over raw bytes, bound by hand as generated code does (the binding on a base class,
/// the methods on the implementation), so no .proto compiler is needed.
/// </summary>
[BindServiceMethod(typeof(EchoGrpcServiceBase), nameof(BindService))]
public abstract class EchoGrpcServiceBase
{
    private static readonly Marshaller<byte[]> Bytes = Marshallers.Create(b => b, b => b);

    public static readonly Method<byte[], byte[]> SayMethod = new(MethodType.Unary, "test.echo.v1.Echo", "Say", Bytes, Bytes);
    public static readonly Method<byte[], byte[]> CountMethod = new(MethodType.ServerStreaming, "test.echo.v1.Echo", "Count", Bytes, Bytes);
    public static readonly Method<byte[], byte[]> FailMethod = new(MethodType.Unary, "test.echo.v1.Echo", "Fail", Bytes, Bytes);

    public static void BindService(ServiceBinderBase binder, EchoGrpcServiceBase? service)
    {
        binder.AddMethod(SayMethod, (UnaryServerMethod<byte[], byte[]>)null!);
        binder.AddMethod(CountMethod, (ServerStreamingServerMethod<byte[], byte[]>)null!);
        binder.AddMethod(FailMethod, (UnaryServerMethod<byte[], byte[]>)null!);
    }

    // Grpc.AspNetCore binds the overrides of the binding class's virtual methods.
    public abstract Task<byte[]> Say(byte[] request, ServerCallContext context);
    public abstract Task Count(byte[] request, IServerStreamWriter<byte[]> writer, ServerCallContext context);
    public abstract Task<byte[]> Fail(byte[] request, ServerCallContext context);
}

public sealed class EchoGrpcService : EchoGrpcServiceBase
{
    /// <summary>Answers the request reversed.</summary>
    public override Task<byte[]> Say(byte[] request, ServerCallContext context) => Task.FromResult(request.Reverse().ToArray());

    /// <summary>Streams request[0] messages, message i being i+1 octets of value i.</summary>
    public override async Task Count(byte[] request, IServerStreamWriter<byte[]> writer, ServerCallContext context)
    {
        for (int i = 0; i < request[0]; i++)
            await writer.WriteAsync(Enumerable.Repeat((byte)i, i + 1).ToArray());
    }

    public override Task<byte[]> Fail(byte[] request, ServerCallContext context) =>
        throw new RpcException(new Status(StatusCode.NotFound, "no item 42 (é)"));
}

/// <summary>shop.v1.Catalog of the descriptor set in the protobuf JSON tests: Same answers the request as it came.</summary>
[BindServiceMethod(typeof(CatalogGrpcServiceBase), nameof(BindService))]
public abstract class CatalogGrpcServiceBase
{
    private static readonly Marshaller<byte[]> Bytes = Marshallers.Create(b => b, b => b);

    public static readonly Method<byte[], byte[]> SameMethod = new(MethodType.Unary, "shop.v1.Catalog", "Same", Bytes, Bytes);

    public static void BindService(ServiceBinderBase binder, CatalogGrpcServiceBase? service) =>
        binder.AddMethod(SameMethod, (UnaryServerMethod<byte[], byte[]>)null!);

    public abstract Task<byte[]> Same(byte[] request, ServerCallContext context);
}

public sealed class CatalogGrpcService : CatalogGrpcServiceBase
{
    public override Task<byte[]> Same(byte[] request, ServerCallContext context) => Task.FromResult(request);
}
