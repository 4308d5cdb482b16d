using Capture.Traffic.Grpc;
using Capture.Traffic.Http2.Frames;
using Capture.Traffic.Tests.Http2;

namespace Capture.Traffic.Tests.Grpc;

public sealed class GrpcCallTests
{
    private static readonly (string, string)[] GrpcRequest = [("content-type", "application/grpc"), ("te", "trailers"), ("grpc-encoding", "identity")];

    [Fact]
    public void Bodies_split_into_messages_and_status_comes_from_the_trailers()
    {
        byte[] request = GrpcFraming.Join([new GrpcMessage(false, new byte[] { 0x0A, 0x03, 0x61, 0x62, 0x63 })]);
        byte[] response = GrpcFraming.Join([new GrpcMessage(false, new byte[] { 1 }), new GrpcMessage(true, new byte[] { 2, 3 }), new GrpcMessage(false, Array.Empty<byte>())]);
        var c = Conversation.WithPreface()
            .Request(1, "POST", "/shop.v1.Catalog/ListItems", endStream: false, GrpcRequest)
            .ClientData(1, request)
            .Response(1, 200, extra: ("content-type", "application/grpc+proto"))
            .ServerData(1, response, endStream: false);
        c.Server(o => Http2FrameWriter.WriteHeaders(o, c.ServerEncoder, 1, [("grpc-status", "0"), ("grpc-message", "")], endStream: true));

        var call = GrpcCall.From(Assert.Single(c.Decode()))!;
        Assert.Equal(("shop.v1.Catalog", "ListItems"), (call.Service, call.Method));
        Assert.Equal([0x0A, 0x03, 0x61, 0x62, 0x63], Assert.Single(call.RequestMessages).Data.ToArray());
        Assert.Equal([(false, "01"), (true, "0203"), (false, "")], call.ResponseMessages.Select(m => (m.Compressed, Convert.ToHexString(m.Data.Span))));
        Assert.Equal(0, call.Status);
        Assert.Null(call.RequestFramingError);
        Assert.Null(call.ResponseFramingError);
        Assert.Equal("identity", call.RequestEncoding);
    }

    [Fact]
    public void A_trailers_only_response_carries_the_status_and_a_percent_encoded_message()
    {
        var c = Conversation.WithPreface()
            .Request(1, "POST", "/svc.Users/Get", endStream: false, GrpcRequest)
            .ClientData(1, GrpcFraming.Join([new GrpcMessage(false, new byte[] { 8, 1 })]))
            .Response(1, 200, endStream: true, ("content-type", "application/grpc"), ("grpc-status", "5"), ("grpc-message", "user%2042%20not%20found%20%C3%A9"));
        var call = GrpcCall.From(Assert.Single(c.Decode()))!;
        Assert.Equal(5, call.Status);
        Assert.Equal("user 42 not found é", call.StatusMessage);
        Assert.Empty(call.ResponseMessages);
    }

    [Theory]
    [InlineData("000000000a0102", "runs past the end")]   // claims 10, has 2
    [InlineData("00ffffffff", "runs past the end")]       // claims 4 GiB: refused without allocating
    [InlineData("0000000001aa00", "too few for a message prefix")]
    [InlineData("0200000000", "neither 0 nor 1")]
    public void Cut_or_hostile_bodies_report_a_framing_error(string hex, string reason)
    {
        var messages = new List<GrpcMessage>();
        Assert.Contains(reason, GrpcFraming.Split(Convert.FromHexString(hex), messages));
    }

    [Theory]
    [InlineData("application/grpc", true)]
    [InlineData("application/grpc+proto", true)]
    [InlineData("application/grpc+json; charset=utf-8", true)]
    [InlineData("application/grpc-web", false)]
    [InlineData("application/json", false)]
    [InlineData(null, false)]
    public void Content_types_that_are_grpc(string? contentType, bool expected) =>
        Assert.Equal(expected, GrpcCall.IsGrpcContentType(contentType));

    [Fact]
    public void Plain_http2_exchanges_are_not_grpc()
    {
        var c = Conversation.WithPreface().Request(1, "GET", "/").Response(1, 200, endStream: true, ("content-type", "text/html"));
        Assert.Null(GrpcCall.From(Assert.Single(c.Decode())));
    }
}
