using Capture.Traffic.Http;

namespace Capture.Traffic.Reassembly;

/// <summary>
/// One request and the response that answered it, as they crossed one connection.
/// Either side may be missing: a request with no response (connection closed first, or the
/// response fell in a gap) or a response whose request was never seen (recording started mid-connection).
/// Dispose it once done with it: a body larger than the parser's spill threshold lives in a temporary file until then.
/// </summary>
public sealed class HttpExchange : IDisposable
{
    public required ConnectionInfo Connection { get; init; }
    /// <summary>
    /// The other end of the connection when both ends were traced and this exchange was seen by both
    /// (the copy from <see cref="Connection"/>, the client's, is the one kept).
    /// </summary>
    public ConnectionInfo? Peer { get; internal set; }

    /// <summary>0 for the first exchange seen on the connection, then 1, 2, ...</summary>
    public int IndexOnConnection { get; init; }

    public HttpMessage? Request { get; internal set; }
    public HttpMessage? Response { get; internal set; }

    /// <summary>The response switched protocols (101) or opened a CONNECT tunnel: HTTP parsing of the connection ended here.</summary>
    public bool Upgraded { get; internal set; }

    /// <summary>The HTTP/2 stream this exchange was (null for HTTP/1.x): see <see cref="Http2StreamInfo"/>.</summary>
    public Http2StreamInfo? Http2 { get; init; }

    /// <summary>"HTTP/1.1", "HTTP/1.0" or "HTTP/2", from whichever side was read; empty when neither head was.</summary>
    public string HttpVersion => Http2 is not null ? Http2StreamInfo.Version : Request is { Version.Length: > 0 } r ? r.Version : Response?.Version ?? "";

    /// <summary>Bytes of this exchange that were never captured.</summary>
    public long GapBytes => (Request?.GapBytes ?? 0) + (Response?.GapBytes ?? 0);

    /// <summary>Some bytes are missing, or a side of the exchange was lost entirely.</summary>
    public bool Incomplete => GapBytes > 0 || Request is null or { Lost: true } || Response is null or { Lost: true }
        || Http2 is { MayMissFrames: true } or { HpackIncomplete: true };

    public bool Truncated => Request?.Truncated == true || Response?.Truncated == true;
    public bool Malformed => Request?.Malformed == true || Response?.Malformed == true;

    /// <summary>Monotonic ns of the first byte of the request (or of the response when the request is missing).</summary>
    public ulong StartNs => Request?.FirstByteNs ?? Response?.FirstByteNs ?? 0;

    /// <summary>Request body with Content-Encoding undone (or as is when that fails).</summary>
    public ReadOnlyMemory<byte> DecodedRequestBody() => Decode(Request);

    /// <summary>Response body with Content-Encoding undone (or as is when that fails).</summary>
    public ReadOnlyMemory<byte> DecodedResponseBody() => Decode(Response);

    private static ReadOnlyMemory<byte> Decode(HttpMessage? message)
    {
        if (message is null)
            return ReadOnlyMemory<byte>.Empty;
        ContentDecoder.TryDecode(message.Body, message.GetHeader("Content-Encoding"), out var decoded);
        return decoded;
    }

    /// <summary>Gives back the temporary files of spilled bodies; the exchange's bodies are not read afterwards.</summary>
    public void Dispose()
    {
        Request?.SpilledBody?.Dispose();
        Response?.SpilledBody?.Dispose();
    }

    /// <summary>1xx responses seen before the final response arrived.</summary>
    internal List<HttpMessage> PendingInterim { get; } = [];

    public override string ToString() => $"#{Connection.ConnectionId}/{IndexOnConnection} {Request} -> {Response?.StatusCode}";
}
