using System.Text.Json;
using Capture.Cli;
using Capture.Replay.Tests.Support;
using Capture.Traffic.Grpc;
using Capture.Traffic.Tests.RealTraffic;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace Capture.Replay.Tests;

/// <summary>gRPC calls replayed to a real gRPC server (Grpc.AspNetCore on h2c Kestrel): compared by grpc-status and message by message.</summary>
[Collection(nameof(CliExitCodeTests))] // the verb writes to the process console: one at a time
public class GrpcReplayTests : IAsyncLifetime
{
    H2cServer _server = null!;
    readonly string _dir = Directory.CreateTempSubdirectory("capture-replay-grpc-").FullName;

    public async ValueTask InitializeAsync() => _server = await H2cServer.StartAsync();

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    string Target => $"http://127.0.0.1:{_server.Port}/";

    static byte[] Framed(params byte[][] messages) => GrpcFraming.Join(messages.Select(m => new GrpcMessage(false, m)));

    /// <summary>A gRPC call as `capture har` writes it: h2, the request's content type, the framed bodies, "_grpc" with the status.</summary>
    static HarBuilder Call(HarBuilder har, string method, byte[] request, byte[] response, int grpcStatus, int stream = 1) =>
        har.Add("POST", $"http://prod/{method}", 200, httpVersion: "h2", connection: "1", stream: stream, atMs: stream,
            headers: [(":method", "POST"), (":path", "/" + method), ("content-type", "application/grpc"), ("te", "trailers")],
            body: request, base64Body: true, responseBody: response, mimeType: "application/grpc", grpcStatus: grpcStatus);

    string Write(HarBuilder har)
    {
        string file = Path.Combine(_dir, $"{Guid.NewGuid():N}.har");
        File.WriteAllText(file, har.ToJson());
        return file;
    }

    (int Exit, JsonElement Report) Replay(string har, params string[] more)
    {
        string report = Path.Combine(_dir, $"{Guid.NewGuid():N}.json");
        int exit = CliExitCodeTests.Capture([har, "--target", Target, "--max", "--retries", "0", "--report", report, .. more]);
        return (exit, JsonDocument.Parse(File.ReadAllText(report)).RootElement.Clone());
    }

    static IEnumerable<string> Diffs(JsonElement report) =>
        report.GetProperty("mismatches").EnumerateArray().SelectMany(m => m.GetProperty("diff").EnumerateArray().Select(d => d.GetString()!));

    [Fact]
    public void Same_messages_and_status_pass_and_the_route_names_the_grpc_method()
    {
        var har = new HarBuilder();
        Call(har, "test.echo.v1.Echo/Say", Framed([1, 2, 3]), Framed([3, 2, 1]), 0, stream: 1);
        Call(har, "test.echo.v1.Echo/Say", Framed([7, 8]), Framed([8, 7]), 0, stream: 3);
        Call(har, "test.echo.v1.Echo/Fail", Framed([1]), [], 5, stream: 5); // NOT_FOUND, trailers only

        var (exit, report) = Replay(Write(har));

        Assert.Equal(ExitCodes.Ok, exit);
        Assert.Equal(3, report.GetProperty("summary").GetProperty("matched").GetInt32());
        var routes = report.GetProperty("routes").EnumerateArray().Select(r => r.GetProperty("route").GetString()).ToList();
        Assert.Equal(["gRPC test.echo.v1.Echo/Say", "gRPC test.echo.v1.Echo/Fail"], routes);
    }

    [Fact]
    public void A_changed_message_is_a_mismatch_and_fails_the_gate()
    {
        var har = Call(new HarBuilder(), "test.echo.v1.Echo/Say", Framed([1, 2, 3]), Framed([3, 2, 9]), 0);

        var (exit, report) = Replay(Write(har));

        Assert.Equal(ExitCodes.GateFailed, exit);
        Assert.Equal(1, report.GetProperty("summary").GetProperty("mismatched").GetInt32());
        Assert.Contains(Diffs(report), d => d.StartsWith("grpc message 1 differs at byte 2", StringComparison.Ordinal));
    }

    [Fact]
    public void A_changed_grpc_status_is_a_mismatch_and_fails_the_gate()
    {
        // Recorded as OK; the server now answers NOT_FOUND with HTTP status 200, as gRPC does.
        var har = Call(new HarBuilder(), "test.echo.v1.Echo/Fail", Framed([1]), Framed([1]), 0);

        var (exit, report) = Replay(Write(har));

        Assert.Equal(ExitCodes.GateFailed, exit);
        Assert.Contains(Diffs(report), d => d.StartsWith("grpc-status: expected 0 (OK), got 5 (NOT_FOUND), grpc-message 'no item 42 (é)'", StringComparison.Ordinal));
    }

    [Fact]
    public void With_a_descriptor_set_messages_compare_as_json_and_ignore_rules_apply()
    {
        string descriptors = Path.Combine(_dir, "shop.pb");
        File.WriteAllBytes(descriptors, DescriptorSet());
        // The server answers the request as it came; the recording answered with another updated_at.
        var har = Call(new HarBuilder(), "shop.v1.Catalog/Same", Framed(Item(42, "Dune", "2025-11-27")), Framed(Item(42, "Dune", "2024-01-01")), 0);
        string file = Write(har);

        var (asJson, report) = Replay(file, "--proto-descriptors", descriptors);
        Assert.Equal(ExitCodes.GateFailed, asJson);
        Assert.Contains(Diffs(report), d => d.StartsWith("grpc message 1 $.updatedAt: expected \"2024-01-01\", got \"2025-11-27\"", StringComparison.Ordinal));

        Assert.Equal(ExitCodes.Ok, Replay(file, "--proto-descriptors", descriptors, "--ignore-json", "$.updatedAt").Exit);
        // Without the descriptor set the messages are bytes: an ignore rule cannot reach inside them.
        Assert.Equal(ExitCodes.GateFailed, Replay(file, "--ignore-json", "$.updatedAt").Exit);
    }

    [Fact]
    public void A_file_that_is_not_a_descriptor_set_is_bad_input()
    {
        string bad = Path.Combine(_dir, "bad.pb");
        File.WriteAllBytes(bad, [0xff, 0xff, 0xff]);
        var har = Call(new HarBuilder(), "test.echo.v1.Echo/Say", Framed([1]), Framed([1]), 0);
        Assert.Equal(ExitCodes.BadInput, CliExitCodeTests.Capture(Write(har), "--target", Target, "--proto-descriptors", bad));
    }

    /// <summary>shop.v1.Item {int64 id = 1; string title = 2; string updated_at = 3;} and shop.v1.Catalog/Same(Item) returns (Item).</summary>
    static byte[] DescriptorSet()
    {
        var file = new FileDescriptorProto
        {
            Name = "shop.proto",
            Package = "shop.v1",
            Syntax = "proto3",
            MessageType =
            {
                new DescriptorProto
                {
                    Name = "Item",
                    Field =
                    {
                        new FieldDescriptorProto { Name = "id", Number = 1, Type = FieldDescriptorProto.Types.Type.Int64, JsonName = "id" },
                        new FieldDescriptorProto { Name = "title", Number = 2, Type = FieldDescriptorProto.Types.Type.String, JsonName = "title" },
                        new FieldDescriptorProto { Name = "updated_at", Number = 3, Type = FieldDescriptorProto.Types.Type.String, JsonName = "updatedAt" },
                    },
                },
            },
            Service = { new ServiceDescriptorProto { Name = "Catalog", Method = { new MethodDescriptorProto { Name = "Same", InputType = ".shop.v1.Item", OutputType = ".shop.v1.Item" } } } },
        };
        return new FileDescriptorSet { File = { file } }.ToByteArray();
    }

    /// <summary>An Item on the wire, written by hand (tag, value) as protoc-generated code would.</summary>
    static byte[] Item(long id, string title, string updatedAt)
    {
        using var stream = new MemoryStream();
        var output = new CodedOutputStream(stream);
        output.WriteTag(1, WireFormat.WireType.Varint);
        output.WriteInt64(id);
        output.WriteTag(2, WireFormat.WireType.LengthDelimited);
        output.WriteString(title);
        output.WriteTag(3, WireFormat.WireType.LengthDelimited);
        output.WriteString(updatedAt);
        output.Flush();
        return stream.ToArray();
    }
}
