using Capture.Traffic.Http;
using Capture.Traffic.Http2.Frames;
using Capture.Traffic.Http2.Hpack;

namespace Capture.Traffic.Http2;

/// <summary>
/// One direction of an HTTP/2 connection: its frame reader, the HPACK decoder for what this side's
/// encoder sent, the header block being gathered across CONTINUATION frames, and the SETTINGS this
/// side sent that the other side has not acknowledged yet.
/// </summary>
internal sealed class Http2Direction : IHttp2FrameSink, IDisposable
{
    private readonly Http2Connection _connection;
    private readonly Http2ConnectionOptions _options;
    private readonly PooledByteBuffer _block = new();
    private Http2FrameHeader _blockStart; // the HEADERS or PUSH_PROMISE that opened the block
    private int _promisedStreamId;
    private ulong _blockStartNs;
    private bool _blockOpen;
    private bool _blockTooLong;

    public Http2Direction(Http2Connection connection, TrafficDirection direction, bool joinedMidStream, Http2ConnectionOptions options)
    {
        _connection = connection;
        _options = options;
        Direction = direction;
        Reader = new Http2FrameReader(this, expectPreface: direction == TrafficDirection.ClientToServer, startsMidStream: joinedMidStream);
        Decoder = new HpackDecoder(joinedMidStream);
    }

    public TrafficDirection Direction { get; }
    public Http2FrameReader Reader { get; }
    /// <summary>Decodes the header blocks this direction carries (the sending side's encoder).</summary>
    public HpackDecoder Decoder { get; }
    /// <summary>SETTINGS_HEADER_TABLE_SIZE values this side sent, oldest first, waiting for the peer's ACK.</summary>
    public Queue<int?> UnacknowledgedTableSizes { get; } = new();

    public void OnPreface(ulong timestampNs) => _connection.SawPreface = true;

    public void OnFrame(in Http2Frame frame)
    {
        var header = frame.Header;
        if (_blockOpen && header.Type != Http2FrameType.Continuation)
        {
            // RFC 9113 section 6.10: nothing may interleave with a header block. The block is lost, and with it the HPACK state.
            AbandonBlock("a header block was interrupted by another frame");
        }
        switch (header.Type)
        {
            case Http2FrameType.Headers:
                if (!Http2FramePayload.TryGetHeadersFragment(header, frame.Payload, out var fragment))
                {
                    Decoder.LoseState();
                    _connection.MarkMalformed(Direction, header.StreamId, "HEADERS frame too short for its padding or priority", frame.StartNs, frame.EndNs);
                    return;
                }
                BeginBlock(header, 0, fragment, frame.StartNs, frame.EndNs);
                break;
            case Http2FrameType.PushPromise:
                if (!Http2FramePayload.TryGetPushPromise(header, frame.Payload, out int promised, out var promiseFragment))
                {
                    Decoder.LoseState();
                    _connection.MarkMalformed(Direction, header.StreamId, "PUSH_PROMISE frame too short", frame.StartNs, frame.EndNs);
                    return;
                }
                BeginBlock(header, promised, promiseFragment, frame.StartNs, frame.EndNs);
                break;
            case Http2FrameType.Continuation:
                if (!_blockOpen || header.StreamId != _blockStart.StreamId)
                {
                    if (_blockOpen)
                        AbandonBlock("CONTINUATION on another stream than its header block");
                    Decoder.LoseState();
                    return;
                }
                AppendToBlock(frame.Payload);
                if (header.Has(Http2Flags.EndHeaders))
                    FinishBlock(frame.EndNs);
                break;
            case Http2FrameType.RstStream:
                if (Http2FramePayload.TryGetErrorCode(frame.Payload, out uint code))
                    _connection.OnReset(Direction, header.StreamId, code, frame.EndNs);
                break;
            case Http2FrameType.Settings:
                _connection.OnSettings(Direction, header.Has(Http2Flags.Ack), frame.Payload);
                break;
            case Http2FrameType.GoAway:
                if (Http2FramePayload.TryGetGoAway(frame.Payload, out int lastStreamId, out uint error))
                    _connection.OnGoAway(Direction, lastStreamId, error);
                break;
            // PRIORITY, PING and WINDOW_UPDATE change no exchange.
        }
    }

    public void OnDataBegin(Http2FrameHeader header, ulong timestampNs)
    {
        if (_blockOpen)
            AbandonBlock("a header block was interrupted by a DATA frame");
        _connection.OnDataBegin(Direction, header, timestampNs);
    }

    public void OnData(Http2FrameHeader header, ReadOnlyMemory<byte> data, ulong timestampNs) =>
        _connection.OnData(Direction, header, data.Span, timestampNs);

    public void OnDataEnd(Http2FrameHeader header, ulong timestampNs) => _connection.OnDataEnd(Direction, header, timestampNs);

    public void OnDataGap(Http2FrameHeader header, long bytes) => _connection.OnDataGap(Direction, header, bytes);

    public void OnFrameLost(Http2FrameHeader header, ulong timestampNs)
    {
        if (header.Type is Http2FrameType.Headers or Http2FrameType.PushPromise or Http2FrameType.Continuation)
        {
            // A header block we cannot decode changed the sender's table in ways we cannot know.
            int stream = header.Type == Http2FrameType.Continuation && _blockOpen ? _blockStart.StreamId : header.StreamId;
            _blockOpen = false;
            _block.Clear();
            Decoder.LoseState();
            _connection.OnHeadersLost(Direction, stream, header.Type == Http2FrameType.PushPromise, timestampNs);
        }
    }

    public void OnSyncLost(ulong timestampNs)
    {
        _blockOpen = false;
        _block.Clear();
        Decoder.LoseState();
        _connection.OnSyncLost(Direction, timestampNs);
    }

    public void OnTruncated(Http2FrameHeader header, ulong timestampNs) { }

    public void Dispose()
    {
        Reader.Dispose();
        _block.Dispose();
    }

    private void BeginBlock(Http2FrameHeader header, int promisedStreamId, ReadOnlySpan<byte> fragment, ulong startNs, ulong endNs)
    {
        _blockStart = header;
        _promisedStreamId = promisedStreamId;
        _blockStartNs = startNs;
        _blockOpen = true;
        _blockTooLong = false;
        _block.Clear();
        if (header.Has(Http2Flags.EndHeaders))
        {
            // The usual case: the whole block in one frame, decoded in place.
            _blockOpen = false;
            Deliver(Decoder.Decode(fragment), endNs);
            return;
        }
        AppendToBlock(fragment);
    }

    private void AppendToBlock(ReadOnlySpan<byte> fragment)
    {
        if (_block.Length + fragment.Length > _options.MaxHeaderBlockBytes)
        {
            _blockTooLong = true;
            _block.Clear();
        }
        if (!_blockTooLong)
            _block.Append(fragment);
    }

    private void FinishBlock(ulong endNs)
    {
        _blockOpen = false;
        if (_blockTooLong)
        {
            Decoder.LoseState();
            _connection.MarkMalformed(Direction, _blockStart.StreamId, "header block longer than the limit", _blockStartNs, endNs);
        }
        else
        {
            Deliver(Decoder.Decode(_block.Span), endNs);
        }
        _block.Clear();
    }

    private void Deliver(HeaderBlock block, ulong endNs)
    {
        if (_blockStart.Type == Http2FrameType.PushPromise)
            _connection.OnPushPromise(_blockStart.StreamId, _promisedStreamId, block, _blockStartNs, endNs);
        else
            _connection.OnHeaders(Direction, _blockStart, block, _blockStartNs, endNs);
    }

    private void AbandonBlock(string reason)
    {
        _blockOpen = false;
        _block.Clear();
        Decoder.LoseState();
        _connection.MarkMalformed(Direction, _blockStart.StreamId, reason, _blockStartNs, _blockStartNs);
    }
}
