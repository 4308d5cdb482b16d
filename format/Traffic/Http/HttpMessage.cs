namespace Capture.Traffic.Http;

/// <summary>
/// One HTTP/1.x request or response rebuilt from a byte stream, with its body de-chunked
/// (but still content-encoded: see <see cref="ContentDecoder"/>) and the timestamps of its bytes.
/// </summary>
public sealed class HttpMessage
{
    public bool IsRequest { get; init; }

    /// <summary>Request method; empty for responses.</summary>
    public string Method { get; internal set; } = "";
    /// <summary>Request target exactly as sent (origin-form, absolute-form, authority-form or "*").</summary>
    public string Target { get; internal set; } = "";
    public int StatusCode { get; internal set; }
    public string Reason { get; internal set; } = "";
    /// <summary>"HTTP/1.1", "HTTP/1.0"; empty when the head was lost or unreadable.</summary>
    public string Version { get; internal set; } = "";

    public List<HttpHeader> Headers { get; } = new(12);
    /// <summary>Trailer fields of a chunked body, in order.</summary>
    public List<HttpHeader> Trailers { get; } = [];

    /// <summary>Bytes from the start line up to and including the blank line that ends the head.</summary>
    public int HeadSize { get; internal set; }
    /// <summary>
    /// The body with transfer coding removed, still content-encoded. Missing gap bytes are not in here.
    /// Empty when the body was spilled to a file (see <see cref="SpilledBody"/>).
    /// </summary>
    public ReadOnlyMemory<byte> Body { get; internal set; }
    /// <summary>
    /// The body (as <see cref="Body"/> would hold it) when it was larger than
    /// <see cref="HttpParserOptions.SpillBodiesOverBytes"/>: in a temporary file until the exchange is disposed.
    /// </summary>
    public SpilledBody? SpilledBody { get; internal set; }
    /// <summary>Bytes in the body, in memory or spilled.</summary>
    public long BodyLength => SpilledBody?.Length ?? Body.Length;
    /// <summary>Body bytes that crossed the wire after the head, transfer framing (chunk sizes, trailers) included.</summary>
    public long WireBodySize { get; internal set; }

    /// <summary>Monotonic ns of the call that carried the first byte of the message.</summary>
    public ulong FirstByteNs { get; internal set; }
    /// <summary>Monotonic ns of the call that carried the last byte of the message.</summary>
    public ulong LastByteNs { get; internal set; }

    /// <summary>Bytes of this message that were never captured (lost events, cut payloads).</summary>
    public long GapBytes { get; internal set; }
    /// <summary>The message did not end: the stream stopped (close, end of file) before its framing said it was done, or its body exceeded the kept-body limit.</summary>
    public bool Truncated { get; internal set; }
    /// <summary>The bytes did not parse as HTTP/1.x; <see cref="MalformedReason"/> says why.</summary>
    public bool Malformed { get; internal set; }
    public string? MalformedReason { get; internal set; }
    /// <summary>A placeholder for a message whose head fell in a gap; only <see cref="GapBytes"/> and timestamps are known.</summary>
    public bool Lost { get; internal set; }

    /// <summary>Interim (1xx, other than 101) responses that came before this final response.</summary>
    public List<HttpMessage> InterimResponses { get; } = [];

    public bool Incomplete => GapBytes > 0 || Lost;

    /// <summary>The value of the first header with this name (case-insensitive), or null.</summary>
    public string? GetHeader(string name)
    {
        foreach (var header in Headers)
            if (string.Equals(header.Name, name, StringComparison.OrdinalIgnoreCase))
                return header.Value;
        return null;
    }

    public override string ToString() => IsRequest ? $"{Method} {Target} {Version}" : $"{Version} {StatusCode} {Reason}";
}
