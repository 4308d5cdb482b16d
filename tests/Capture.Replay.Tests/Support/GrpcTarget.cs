using System.Net;
using Grpc.AspNetCore.Server;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Capture.Replay.Tests.Support;

/// <summary>A real gRPC server (Grpc.AspNetCore on Kestrel, h2c) on 127.0.0.1: test.echo.v1.Echo and shop.v1.Catalog.</summary>
public sealed class GrpcTarget : IAsyncDisposable
{
    readonly WebApplication _app;
    public Uri BaseUri { get; }

    GrpcTarget(WebApplication app, Uri baseUri) { _app = app; BaseUri = baseUri; }

    public static async Task<GrpcTarget> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        var app = builder.Build();
        app.MapGrpcService<EchoService>();
        app.MapGrpcService<CatalogService>();
        await app.StartAsync();
        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new GrpcTarget(app, new Uri(address));
    }

    public async ValueTask DisposeAsync()
    {
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await _app.StopAsync(stop.Token);
        await _app.DisposeAsync();
    }
}

/// <summary>
/// test.echo.v1.Echo over raw bytes, bound by hand as generated code does (the binding on a base class,
/// the methods on the implementation), so no .proto compiler is needed.
/// </summary>
[BindServiceMethod(typeof(EchoServiceBase), nameof(BindService))]
public abstract class EchoServiceBase
{
    static readonly Marshaller<byte[]> Bytes = Marshallers.Create(b => b, b => b);

    public static readonly Method<byte[], byte[]> SayMethod = new(MethodType.Unary, "test.echo.v1.Echo", "Say", Bytes, Bytes);
    public static readonly Method<byte[], byte[]> FailMethod = new(MethodType.Unary, "test.echo.v1.Echo", "Fail", Bytes, Bytes);

    public static void BindService(ServiceBinderBase binder, EchoServiceBase? service)
    {
        binder.AddMethod(SayMethod, (UnaryServerMethod<byte[], byte[]>)null!);
        binder.AddMethod(FailMethod, (UnaryServerMethod<byte[], byte[]>)null!);
    }

    public abstract Task<byte[]> Say(byte[] request, ServerCallContext context);
    public abstract Task<byte[]> Fail(byte[] request, ServerCallContext context);
}

public sealed class EchoService : EchoServiceBase
{
    /// <summary>Answers the request reversed.</summary>
    public override Task<byte[]> Say(byte[] request, ServerCallContext context) => Task.FromResult(request.Reverse().ToArray());

    public override Task<byte[]> Fail(byte[] request, ServerCallContext context) =>
        throw new RpcException(new Status(StatusCode.NotFound, "no such item"));
}

/// <summary>shop.v1.Catalog/Same answers the request message as it came.</summary>
[BindServiceMethod(typeof(CatalogServiceBase), nameof(BindService))]
public abstract class CatalogServiceBase
{
    static readonly Marshaller<byte[]> Bytes = Marshallers.Create(b => b, b => b);

    public static readonly Method<byte[], byte[]> SameMethod = new(MethodType.Unary, "shop.v1.Catalog", "Same", Bytes, Bytes);

    public static void BindService(ServiceBinderBase binder, CatalogServiceBase? service) =>
        binder.AddMethod(SameMethod, (UnaryServerMethod<byte[], byte[]>)null!);

    public abstract Task<byte[]> Same(byte[] request, ServerCallContext context);
}

public sealed class CatalogService : CatalogServiceBase
{
    public override Task<byte[]> Same(byte[] request, ServerCallContext context) => Task.FromResult(request);
}
