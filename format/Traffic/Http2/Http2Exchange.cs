namespace Capture.Traffic.Http2;

/// <summary>One HTTP/2 stream: a request and its response (or a pushed response and its promised request).</summary>
internal sealed class Http2Exchange
{
    internal Http2Exchange(int streamId, int indexOnConnection)
    {
        StreamId = streamId;
        IndexOnConnection = indexOnConnection;
    }

    public int StreamId { get; }
    /// <summary>0 for the first stream seen on the connection, then 1, 2, ... in the order streams started.</summary>
    public int IndexOnConnection { get; }

    public Http2Message Request { get; } = new();
    public Http2Message Response { get; } = new();

    /// <summary>The stream a PUSH_PROMISE for this one came on: the request headers are the promise's.</summary>
    public int? PromisedOnStream { get; internal set; }

    /// <summary>RST_STREAM ended the stream: its error code (RFC 9113 section 7) and who sent it.</summary>
    public uint? ResetErrorCode { get; internal set; }
    public TrafficDirection? ResetBy { get; internal set; }

    /// <summary>A GOAWAY's last-stream-id says the peer never processed this stream (safe to retry).</summary>
    public bool RefusedByGoAway { get; internal set; }

    public bool Incomplete => Request.Incomplete || Response.Incomplete;
    public bool HpackIncomplete => Request.HpackIncomplete || Response.HpackIncomplete;

    /// <summary>First octet of the request, or of the response when the request was not seen.</summary>
    public ulong StartNs => Request.Seen ? Request.FirstByteNs : Response.FirstByteNs;

    internal bool Started { get; set; }
    internal bool Closed => ResetErrorCode is not null || RefusedByGoAway || (Request.Ended && Response.Ended);

    public override string ToString() => $"stream {StreamId}: {Request.Method} {Request.Path} -> {Response.Status}";
}
