namespace Capture.Traffic.Http2.Frames;

/// <summary>A frame other than DATA, whole. <see cref="Payload"/> is only valid during the call.</summary>
internal readonly ref struct Http2Frame
{
    public Http2Frame(Http2FrameHeader header, ReadOnlySpan<byte> payload, ulong startNs, ulong endNs)
    {
        Header = header;
        Payload = payload;
        StartNs = startNs;
        EndNs = endNs;
    }

    public Http2FrameHeader Header { get; }
    /// <summary>The payload as sent (padding and priority fields still in; see <see cref="Http2FramePayload"/>).</summary>
    public ReadOnlySpan<byte> Payload { get; }
    /// <summary>Timestamp of the chunk that carried the frame's first octet.</summary>
    public ulong StartNs { get; }
    /// <summary>Timestamp of the chunk that carried its last octet.</summary>
    public ulong EndNs { get; }
}

/// <summary>What a <see cref="Http2FrameReader"/> finds in one direction of a connection, in order.</summary>
internal interface IHttp2FrameSink
{
    void OnPreface(ulong timestampNs);

    /// <summary>A whole frame other than DATA (extension frames of unknown types are skipped, not reported).</summary>
    void OnFrame(in Http2Frame frame);

    /// <summary>A DATA frame begins; its data follows in <see cref="OnData"/> calls, padding removed.</summary>
    void OnDataBegin(Http2FrameHeader header, ulong timestampNs);
    /// <summary>Data of the current DATA frame. The memory belongs to the caller of Feed and may be kept only if it promised not to reuse it.</summary>
    void OnData(Http2FrameHeader header, ReadOnlyMemory<byte> data, ulong timestampNs);
    void OnDataEnd(Http2FrameHeader header, ulong timestampNs);

    /// <summary><paramref name="bytes"/> of the current DATA frame's payload were never captured.</summary>
    void OnDataGap(Http2FrameHeader header, long bytes);

    /// <summary>A frame other than DATA had bytes missing: it is known by its header only.</summary>
    void OnFrameLost(Http2FrameHeader header, ulong timestampNs);

    /// <summary>
    /// Frame boundaries were lost (a gap across a frame header, or bytes that are not HTTP/2 framing):
    /// frames may have been missed until the reader finds a plausible frame sequence again.
    /// </summary>
    void OnSyncLost(ulong timestampNs);

    /// <summary>The stream ended inside a frame (connection closed, end of the capture).</summary>
    void OnTruncated(Http2FrameHeader header, ulong timestampNs);
}
