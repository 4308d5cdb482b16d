using Capture.Traffic.Http2;

namespace Capture.Traffic.Grpc;

/// <summary>
/// The gRPC view of an HTTP/2 exchange whose content type is application/grpc (or application/grpc+proto,
/// +json, ...): service and method from ":path", the messages of each side, and the status from the
/// trailers (or from the headers of a trailers-only response).
/// </summary>
internal sealed class GrpcCall
{
    /// <summary>"package.Service" from ":path" "/package.Service/Method".</summary>
    public required string Service { get; init; }
    public required string Method { get; init; }
    public List<GrpcMessage> RequestMessages { get; } = [];
    public List<GrpcMessage> ResponseMessages { get; } = [];
    /// <summary>Why a body did not split into whole messages (cut by a gap, the body limit, or a reset), if it did not.</summary>
    public string? RequestFramingError { get; private set; }
    public string? ResponseFramingError { get; private set; }
    /// <summary>grpc-status (0 = OK), or null when no trailers were seen.</summary>
    public int? Status { get; private set; }
    /// <summary>grpc-message, percent-decoded.</summary>
    public string? StatusMessage { get; private set; }
    /// <summary>grpc-encoding of each side: how flagged messages are compressed.</summary>
    public string? RequestEncoding { get; private set; }
    public string? ResponseEncoding { get; private set; }

    /// <summary>The exchange carries gRPC (its request or response content type says so; gRPC-Web is another framing).</summary>
    public static bool IsGrpc(Http2Exchange exchange) =>
        IsGrpcContentType(exchange.Request.GetHeader("content-type")) || IsGrpcContentType(exchange.Response.GetHeader("content-type"));

    public static bool IsGrpcContentType(string? contentType)
    {
        if (contentType is null || !contentType.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase))
            return false;
        string rest = contentType["application/grpc".Length..];
        return rest.Length == 0 || rest[0] is '+' or ';';
    }

    /// <summary>The gRPC call in <paramref name="exchange"/>, or null when it is not gRPC.</summary>
    public static GrpcCall? From(Http2Exchange exchange)
    {
        if (!IsGrpc(exchange))
            return null;
        string path = exchange.Request.Path ?? "";
        int slash = path.LastIndexOf('/');
        var call = new GrpcCall
        {
            Service = slash > 0 ? path[1..slash] : "",
            Method = slash >= 0 ? path[(slash + 1)..] : path,
        };
        call.RequestEncoding = exchange.Request.GetHeader("grpc-encoding");
        call.ResponseEncoding = exchange.Response.GetHeader("grpc-encoding");
        call.RequestFramingError = GrpcFraming.Split(exchange.Request.Body, call.RequestMessages);
        call.ResponseFramingError = GrpcFraming.Split(exchange.Response.Body, call.ResponseMessages);

        // Trailers normally; a trailers-only response carries grpc-status in its only HEADERS.
        string? status = exchange.Response.GetTrailer("grpc-status") ?? exchange.Response.GetHeader("grpc-status");
        if (int.TryParse(status, out int code))
            call.Status = code;
        string? message = exchange.Response.GetTrailer("grpc-message") ?? exchange.Response.GetHeader("grpc-message");
        if (message is not null)
            call.StatusMessage = PercentDecode(message);
        return call;
    }

    /// <summary>grpc-message is percent-encoded UTF-8; a malformed escape is kept as it is.</summary>
    private static string PercentDecode(string text)
    {
        try
        {
            return Uri.UnescapeDataString(text);
        }
        catch (UriFormatException)
        {
            return text;
        }
    }
}
