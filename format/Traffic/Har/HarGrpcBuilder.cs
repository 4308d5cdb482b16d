using Capture.Traffic.Grpc;
using Capture.Traffic.Reassembly;

namespace Capture.Traffic.Har;

/// <summary>Builds the "_grpc" object of an entry from the exchange's gRPC view, with JSON for the messages a descriptor set describes.</summary>
internal static class HarGrpcBuilder
{
    public static HarGrpc? Build(HttpExchange exchange, ProtobufJson? protobuf)
    {
        if (exchange.Http2 is null || GrpcCall.From(exchange) is not { } call)
            return null;
        var json = protobuf?.Decode(call);
        return new HarGrpc
        {
            Service = call.Service,
            Method = call.Method,
            Status = call.Status,
            Message = call.StatusMessage,
            RequestEncoding = call.RequestEncoding,
            ResponseEncoding = call.ResponseEncoding,
            RequestMessages = Messages(call.RequestMessages, json?.Requests),
            ResponseMessages = Messages(call.ResponseMessages, json?.Responses),
            RequestFramingError = call.RequestFramingError,
            ResponseFramingError = call.ResponseFramingError,
        };
    }

    private static List<HarGrpcMessage> Messages(List<GrpcMessage> messages, List<string?>? json)
    {
        var list = new List<HarGrpcMessage>(messages.Count);
        for (int i = 0; i < messages.Count; i++)
            list.Add(new HarGrpcMessage
            {
                Compressed = messages[i].Compressed,
                Data = Convert.ToBase64String(messages[i].Data.Span),
                Json = json is not null && i < json.Count ? json[i] : null,
            });
        return list;
    }
}
