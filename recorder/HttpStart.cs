namespace Capture.Recorder;

/// <summary>
/// Recognizes the start of an HTTP/1.x request line: the methods classify_http in bpf/http_classify.h lets
/// through (HttpStartAgreementTests runs both on the same bytes), so the request count matches the kernel's filter.
/// </summary>
internal static class HttpStart
{
    private static readonly byte[][] Methods =
    [
        "GET "u8.ToArray(), "PUT "u8.ToArray(), "POST "u8.ToArray(), "HEAD "u8.ToArray(), "PATCH "u8.ToArray(),
        "TRACE "u8.ToArray(), "DELETE "u8.ToArray(), "OPTIONS "u8.ToArray(), "CONNECT "u8.ToArray(),
    ];

    public static bool IsRequestLine(ReadOnlySpan<byte> payload)
    {
        foreach (byte[] method in Methods)
            if (payload.StartsWith(method))
                return true;
        return false;
    }
}
