namespace Capture.Traffic.Http;

/// <summary>How the end of a message body is found (RFC 9112 section 6.3).</summary>
internal enum BodyFraming
{
    None,
    ContentLength,
    Chunked,
    /// <summary>Response body runs until the connection closes.</summary>
    CloseDelimited,
    /// <summary>After a 101 or a successful CONNECT the bytes are no longer HTTP.</summary>
    Tunnel,
}
