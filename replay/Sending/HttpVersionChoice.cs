namespace Capture.Replay.Sending;

/// <summary>
/// The HTTP version of a replayed request (--http-version). HTTP/2 is sent with prior knowledge to an http://
/// target (h2c) and negotiated by ALPN with an https:// one; it is required, never downgraded, so a target
/// that does not speak it fails the request instead of silently answering over HTTP/1.1.
/// </summary>
public enum HttpVersionChoice
{
    /// <summary>The version the exchange was recorded over (HTTP/2 for h2 entries, HTTP/1.1 otherwise).</summary>
    Recorded,
    Http11,
    Http2,
}

public static class HttpVersionChoices
{
    /// <summary>Reads "1.1", "2" or "recorded"; null for anything else.</summary>
    public static HttpVersionChoice? Parse(string text) => text.Trim().ToLowerInvariant() switch
    {
        "recorded" => HttpVersionChoice.Recorded,
        "1.1" => HttpVersionChoice.Http11,
        "2" or "2.0" => HttpVersionChoice.Http2,
        _ => null,
    };

    /// <summary>The version and policy the request goes out with.</summary>
    public static (Version Version, HttpVersionPolicy Policy) For(HttpVersionChoice choice, Version recorded) =>
        choice switch
        {
            HttpVersionChoice.Http2 => (System.Net.HttpVersion.Version20, HttpVersionPolicy.RequestVersionExact),
            HttpVersionChoice.Http11 => (System.Net.HttpVersion.Version11, HttpVersionPolicy.RequestVersionOrLower),
            _ when recorded.Major >= 2 => (System.Net.HttpVersion.Version20, HttpVersionPolicy.RequestVersionExact),
            // HTTP/1.0 recordings went out as 1.1 before: the answers compare the same and keep-alive stays on.
            _ => (System.Net.HttpVersion.Version11, HttpVersionPolicy.RequestVersionOrLower),
        };
}
