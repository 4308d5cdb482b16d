using Capture.Traffic.Http;
using Capture.Traffic.Http2.Hpack;

namespace Capture.Traffic.Http2;

/// <summary>
/// One side (request or response) of one HTTP/2 stream: header fields as sent, pseudo-header fields
/// included and in their order (as Chrome's HAR export lists them), the DATA frames joined, trailers,
/// and what could not be seen.
/// </summary>
internal sealed class Http2Message
{
    /// <summary>Header fields in wire order, ":method", ":path", ":status", ... included.</summary>
    public List<HttpHeader> Headers { get; } = new(12);
    /// <summary>Fields whose HPACK table entry was never seen (connection joined mid-way, or a header block lost in a gap).</summary>
    public List<HpackUnknownField> UnknownHeaders { get; } = [];
    /// <summary>Fields of a HEADERS frame that came after the body and ended the stream.</summary>
    public List<HttpHeader> Trailers { get; } = [];
    /// <summary>Informational (1xx) responses that came before the final one, each as its header fields.</summary>
    public List<List<HttpHeader>> Informational { get; } = [];

    /// <summary>The DATA frames' payloads joined, padding removed (still content-encoded). Missing gap bytes are not in here.</summary>
    public ReadOnlyMemory<byte> Body { get; internal set; }
    /// <summary>Body octets that crossed the wire, including any beyond the kept-body limit and excluding gaps.</summary>
    public long BodySize { get; internal set; }

    /// <summary>Timestamp of the chunk that carried the first octet of this side's first frame.</summary>
    public ulong FirstByteNs { get; internal set; }
    /// <summary>Timestamp of the chunk that carried the last octet of this side's last frame.</summary>
    public ulong LastByteNs { get; internal set; }

    /// <summary>Body octets known to be missing (a gap inside DATA frames of this stream).</summary>
    public long GapBytes { get; internal set; }
    /// <summary>Framing was lost in a gap while this side was open: frames of it may be missing, how many is unknown.</summary>
    public bool MayMissFrames { get; internal set; }
    /// <summary>The header block was never decoded (sent before recording began, or lost in a gap).</summary>
    public bool HeadersLost { get; internal set; }
    /// <summary>Some header fields refer to HPACK entries never seen: see <see cref="UnknownHeaders"/>.</summary>
    public bool HpackIncomplete => UnknownHeaders.Count > 0;
    /// <summary>END_STREAM was seen.</summary>
    public bool Ended { get; internal set; }
    /// <summary>The connection or the capture ended before END_STREAM (and the stream was not reset); or the body exceeded the kept-body limit.</summary>
    public bool Truncated { get; internal set; }
    /// <summary>Why a frame or header block of this side did not decode, if one did not.</summary>
    public string? MalformedReason { get; internal set; }

    public bool Incomplete => GapBytes > 0 || MayMissFrames || HeadersLost || HpackIncomplete;

    /// <summary>The value of the first header with this name (case-insensitive), or null.</summary>
    public string? GetHeader(string name) => FirstValue(Headers, name);

    public string? Method => GetHeader(":method");
    public string? Scheme => GetHeader(":scheme");
    public string? Authority => GetHeader(":authority");
    public string? Path => GetHeader(":path");
    /// <summary>The final status, or 0 when no final response head was seen.</summary>
    public int Status => int.TryParse(GetHeader(":status"), out int status) ? status : 0;

    /// <summary>The value of the first trailer with this name (case-insensitive), or null.</summary>
    public string? GetTrailer(string name) => FirstValue(Trailers, name);

    private static string? FirstValue(List<HttpHeader> fields, string name)
    {
        foreach (var field in fields)
            if (string.Equals(field.Name, name, StringComparison.OrdinalIgnoreCase))
                return field.Value;
        return null;
    }

    internal Http2BodyBuffer? BodyBuffer { get; set; }
    /// <summary>Some frame of this side was seen.</summary>
    internal bool Seen { get; set; }
}
