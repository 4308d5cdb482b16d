namespace Capture.Traffic.Http;

/// <summary>Decides how a message body ends, following RFC 9112 section 6.3.</summary>
internal static class FramingRules
{
    public static BodyFraming ForRequest(HttpMessage request, out long contentLength, out string? error)
    {
        contentLength = 0;
        error = null;
        if (TransferEncoding(request) is { } coding)
        {
            if (IsChunkedLast(coding))
                return BodyFraming.Chunked;
            error = "request Transfer-Encoding does not end with chunked";
            return BodyFraming.None;
        }
        if (!TryContentLength(request, out contentLength, out error))
            return BodyFraming.None;
        return contentLength > 0 ? BodyFraming.ContentLength : BodyFraming.None;
    }

    /// <param name="requestMethod">Method of the request this answers, or null when unknown.</param>
    public static BodyFraming ForResponse(HttpMessage response, string? requestMethod, out long contentLength, out string? error)
    {
        contentLength = 0;
        error = null;
        int status = response.StatusCode;
        if (status == 101 || (requestMethod == "CONNECT" && status is >= 200 and < 300))
            return BodyFraming.Tunnel;
        if (requestMethod == "HEAD" || status is >= 100 and < 200 || status == 204 || status == 304)
            return BodyFraming.None;
        if (TransferEncoding(response) is { } coding)
            return IsChunkedLast(coding) ? BodyFraming.Chunked : BodyFraming.CloseDelimited;
        if (response.GetHeader("Content-Length") is null)
            return BodyFraming.CloseDelimited;
        if (!TryContentLength(response, out contentLength, out error))
            return BodyFraming.None;
        return contentLength > 0 ? BodyFraming.ContentLength : BodyFraming.None;
    }

    private static string? TransferEncoding(HttpMessage message)
    {
        string? joined = null;
        foreach (var h in message.Headers)
            if (h.Name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase))
                joined = joined is null ? h.Value : joined + "," + h.Value;
        return joined;
    }

    private static bool IsChunkedLast(string codings)
    {
        int comma = codings.LastIndexOf(',');
        return codings.AsSpan(comma + 1).Trim().Equals("chunked", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>All Content-Length values (repeated fields or comma lists) must agree (RFC 9112 section 6.3 item 5).</summary>
    private static bool TryContentLength(HttpMessage message, out long length, out string? error)
    {
        length = 0;
        error = null;
        bool seen = false;
        foreach (var h in message.Headers)
        {
            if (!h.Name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
                continue;
            foreach (var part in h.Value.Split(','))
            {
                var digits = part.AsSpan().Trim();
                if (digits.IsEmpty || digits.ContainsAnyExceptInRange('0', '9') || !long.TryParse(digits, out long value))
                {
                    error = "invalid Content-Length";
                    return false;
                }
                if (seen && value != length)
                {
                    error = "conflicting Content-Length values";
                    return false;
                }
                seen = true;
                length = value;
            }
        }
        return true;
    }
}
