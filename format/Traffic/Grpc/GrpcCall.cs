using Capture.Traffic.Http2;
using Capture.Traffic.Reassembly;

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

    /// <summary>The exchange (as every sink reads it) carries gRPC.</summary>
    public static bool IsGrpc(HttpExchange exchange) =>
        IsGrpcContentType(exchange.Request?.GetHeader("content-type")) || IsGrpcContentType(exchange.Response?.GetHeader("content-type"));

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
        var (request, response) = (exchange.Request, exchange.Response);
        return Build(request.Path, request.GetHeader, request.Body, response.GetHeader, response.GetTrailer, response.Body);
    }

    /// <summary>The gRPC call in an exchange as every sink reads it, or null when it is not gRPC.</summary>
    public static GrpcCall? From(HttpExchange exchange)
    {
        if (!IsGrpc(exchange))
            return null;
        var request = exchange.Request;
        var response = exchange.Response;
        return Build(request?.Target, name => request?.GetHeader(name), request?.Body ?? default,
            name => response?.GetHeader(name), name => response?.Trailers.FirstOrDefault(t => t.Name.Equals(name, StringComparison.OrdinalIgnoreCase)).Value,
            response?.Body ?? default);
    }

    private static GrpcCall Build(string? path, Func<string, string?> requestHeader, ReadOnlyMemory<byte> requestBody,
        Func<string, string?> responseHeader, Func<string, string?> responseTrailer, ReadOnlyMemory<byte> responseBody)
    {
        path ??= "";
        int slash = path.LastIndexOf('/');
        var call = new GrpcCall
        {
            Service = slash > 0 ? path[1..slash] : "",
            Method = slash >= 0 ? path[(slash + 1)..] : path,
        };
        call.RequestEncoding = requestHeader("grpc-encoding");
        call.ResponseEncoding = responseHeader("grpc-encoding");
        call.RequestFramingError = GrpcFraming.Split(requestBody, call.RequestMessages);
        call.ResponseFramingError = GrpcFraming.Split(responseBody, call.ResponseMessages);

        // Trailers normally; a trailers-only response carries grpc-status in its only HEADERS.
        string? status = responseTrailer("grpc-status") ?? responseHeader("grpc-status");
        if (int.TryParse(status, out int code))
            call.Status = code;
        string? message = responseTrailer("grpc-message") ?? responseHeader("grpc-message");
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
