using Capture.Traffic.Http;
using Capture.Traffic.Reassembly;

namespace Capture.Traffic.Har;

/// <summary>
/// How an HTTP/2 exchange looks in HAR, following Chrome's DevTools export: httpVersion "http/2.0",
/// the request's pseudo-header fields first (":authority", ":method", ":path", ":scheme", as Chrome
/// lists them), no ":status" among the response headers (the status has its own field), an empty
/// statusText (HTTP/2 has no reason phrase) and headersSize -1 (an HPACK-compressed head has no
/// HTTP/1 size).
/// </summary>
internal static class Http2HarFields
{
    /// <summary>What Chrome's HAR export writes in httpVersion for HTTP/2.</summary>
    public const string HarVersion = "http/2.0";

    private static readonly string[] ChromePseudoHeaderOrder = [":authority", ":method", ":path", ":scheme"];

    /// <summary>httpVersion for HAR: HTTP/1.x as it was on the wire, HTTP/2 as Chrome writes it.</summary>
    public static string HttpVersion(HttpMessage message) =>
        message.Version == Http2StreamInfo.Version ? HarVersion : message.Version;

    /// <summary>The header fields in the order the HAR lists them.</summary>
    public static IEnumerable<HttpHeader> OrderedHeaders(HttpMessage message)
    {
        if (message.Version != Http2StreamInfo.Version)
            return message.Headers;
        if (!message.IsRequest)
            return message.Headers.Where(h => h.Name != ":status");
        return message.Headers.Where(h => h.Name.StartsWith(':'))
            .OrderBy(h => Array.IndexOf(ChromePseudoHeaderOrder, h.Name) is var i && i >= 0 ? i : ChromePseudoHeaderOrder.Length)
            .Concat(message.Headers.Where(h => !h.Name.StartsWith(':')));
    }

    /// <summary>"CANCEL by client" for a stream ended by RST_STREAM; null otherwise.</summary>
    public static string? StreamReset(Http2StreamInfo stream)
    {
        if (stream.ResetErrorCode is not { } code)
            return null;
        string by = stream.ResetBy == Traffic.TrafficDirection.ClientToServer ? "client" : "server";
        return $"{Http2StreamInfo.ErrorName(code)} by {by}";
    }
}
