using System.Text.Json;

namespace Capture.Traffic.Har;

/// <summary>The custom fields of HTTP/2 and gRPC entries: "_stream", "_hpackIncomplete", "_streamReset", "_grpc".</summary>
internal sealed partial class HarWriter
{
    private void WriteHttp2Fields(HarEntry entry)
    {
        var j = _json;
        if (entry.Stream is { } stream)
            j.WriteNumber(H2Names.Ustream, stream);
        if (entry.HpackIncomplete is { } hpack)
            j.WriteBoolean(H2Names.UhpackIncomplete, hpack);
        WriteOptional(H2Names.UstreamReset, entry.StreamReset);
        if (entry.Grpc is { } grpc)
            WriteGrpc(grpc);
    }

    private void WriteGrpc(HarGrpc grpc)
    {
        var j = _json;
        j.WriteStartObject(H2Names.Ugrpc);
        j.WriteString(H2Names.service, grpc.Service);
        j.WriteString(H2Names.method, grpc.Method);
        if (grpc.Status is { } status)
            j.WriteNumber(H2Names.status, status);
        WriteOptional(H2Names.message, grpc.Message);
        WriteOptional(H2Names.requestEncoding, grpc.RequestEncoding);
        WriteOptional(H2Names.responseEncoding, grpc.ResponseEncoding);
        WriteGrpcMessages(H2Names.requestMessages, grpc.RequestMessages);
        WriteGrpcMessages(H2Names.responseMessages, grpc.ResponseMessages);
        WriteOptional(H2Names.requestFramingError, grpc.RequestFramingError);
        WriteOptional(H2Names.responseFramingError, grpc.ResponseFramingError);
        j.WriteEndObject();
    }

    private void WriteGrpcMessages(JsonEncodedText property, List<HarGrpcMessage> messages)
    {
        var j = _json;
        j.WriteStartArray(property);
        foreach (var message in messages)
        {
            j.WriteStartObject();
            j.WriteBoolean(H2Names.compressed, message.Compressed);
            j.WriteString(H2Names.data, message.Data);
            if (message.Json is { } json)
            {
                // Produced by ProtobufJson's own JSON writer, so it is one valid JSON value.
                j.WritePropertyName(H2Names.json);
                j.WriteRawValue(json, skipInputValidation: true);
            }
            j.WriteEndObject();
        }
        j.WriteEndArray();
    }

    private static class H2Names
    {
#pragma warning disable IDE1006 // named exactly like the JSON properties
        public static readonly JsonEncodedText Ustream = JsonEncodedText.Encode("_stream");
        public static readonly JsonEncodedText UhpackIncomplete = JsonEncodedText.Encode("_hpackIncomplete");
        public static readonly JsonEncodedText UstreamReset = JsonEncodedText.Encode("_streamReset");
        public static readonly JsonEncodedText Ugrpc = JsonEncodedText.Encode("_grpc");
        public static readonly JsonEncodedText service = JsonEncodedText.Encode("service");
        public static readonly JsonEncodedText method = JsonEncodedText.Encode("method");
        public static readonly JsonEncodedText status = JsonEncodedText.Encode("status");
        public static readonly JsonEncodedText message = JsonEncodedText.Encode("message");
        public static readonly JsonEncodedText requestEncoding = JsonEncodedText.Encode("requestEncoding");
        public static readonly JsonEncodedText responseEncoding = JsonEncodedText.Encode("responseEncoding");
        public static readonly JsonEncodedText requestMessages = JsonEncodedText.Encode("requestMessages");
        public static readonly JsonEncodedText responseMessages = JsonEncodedText.Encode("responseMessages");
        public static readonly JsonEncodedText requestFramingError = JsonEncodedText.Encode("requestFramingError");
        public static readonly JsonEncodedText responseFramingError = JsonEncodedText.Encode("responseFramingError");
        public static readonly JsonEncodedText compressed = JsonEncodedText.Encode("compressed");
        public static readonly JsonEncodedText data = JsonEncodedText.Encode("data");
        public static readonly JsonEncodedText json = JsonEncodedText.Encode("json");
#pragma warning restore IDE1006
    }
}
