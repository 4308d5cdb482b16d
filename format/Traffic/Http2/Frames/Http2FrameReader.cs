using Capture.Traffic.Http;

namespace Capture.Traffic.Http2.Frames;

/// <summary>
/// Incremental HTTP/2 frame reader for one direction of one connection. Bytes come in chunks of any
/// size, gaps as lengths. DATA payloads stream through without being buffered; other frames are
/// gathered whole, bounded by SETTINGS_MAX_FRAME_SIZE (a longer length is treated as lost framing, so
/// a hostile length never allocates more than the limit). After lost framing, or when the stream does
/// not start at a frame boundary (joined mid-way), it looks for the next plausible frame sequence
/// (<see cref="Http2FramePlausibility"/>). Never throws on bad input.
/// </summary>
internal sealed class Http2FrameReader : IDisposable
{
    private enum State { Preface, Header, Payload, DataPadLength, DataBody, DataPadding, Resync }

    private readonly IHttp2FrameSink _sink;
    private readonly PooledByteBuffer _resync = new();
    // The chunks held in _resync, oldest first: each frame found there keeps the timestamp of the chunk that carried it.
    private readonly List<(int Length, ulong Ns)> _resyncChunks = [];
    private readonly byte[] _headerBytes = new byte[Http2FrameHeader.Size];

    private State _state;
    private int _headerFill;
    private Http2FrameHeader _frame;
    private ulong _frameStartNs;
    private bool _frameHoled;
    private byte[]? _payload;
    private int _payloadFill;
    private int _payloadRemaining; // Payload: octets still to come (received or lost)
    private long _dataRemaining;
    private int _paddingRemaining;
    private ulong _lastNs;

    /// <param name="expectPreface">The client's side of a connection seen from its start: the preface comes first.</param>
    /// <param name="startsMidStream">The stream may start anywhere (connection open before recording): find a frame boundary first.</param>
    public Http2FrameReader(IHttp2FrameSink sink, bool expectPreface, bool startsMidStream)
    {
        _sink = sink;
        _state = startsMidStream ? State.Resync : expectPreface ? State.Preface : State.Header;
    }

    /// <summary>SETTINGS_MAX_FRAME_SIZE advertised by the receiving side; longer frames mean the framing is lost.</summary>
    public int MaxFrameSize { get; set; } = Http2Settings.DefaultMaxFrameSize;

    /// <summary>Bytes skipped while looking for a frame boundary.</summary>
    public long SkippedBytes { get; private set; }

    /// <summary>Frames of unknown (extension) types, skipped.</summary>
    public long UnknownFrames { get; private set; }

    public bool InSync => _state != State.Resync;

    public void Feed(ReadOnlyMemory<byte> data, ulong timestampNs)
    {
        _lastNs = timestampNs;
        if (data.IsEmpty)
            return;
        if (_state == State.Resync)
        {
            _resync.Append(data.Span);
            _resyncChunks.Add((data.Length, timestampNs));
            Resync(timestampNs, atEnd: false);
            return;
        }
        Run(data, timestampNs);
    }

    /// <summary><paramref name="bytes"/> of the stream were never captured.</summary>
    public void Gap(long bytes, ulong timestampNs)
    {
        _lastNs = timestampNs;
        if (bytes <= 0)
            return;
        switch (_state)
        {
            case State.Payload when bytes < _payloadRemaining:
                _frameHoled = true;
                _payloadRemaining -= (int)bytes;
                break;
            case State.Payload when bytes == _payloadRemaining:
                _payload = null;
                _sink.OnFrameLost(_frame, timestampNs);
                _state = State.Header;
                break;
            case State.DataPadLength:
                // The pad length is lost: the rest of the frame cannot be told from its padding, count it as data.
                _dataRemaining = _frame.Length - 1;
                _paddingRemaining = 0;
                _state = State.DataBody;
                GapInData(bytes - 1, timestampNs);
                break;
            case State.DataBody:
            case State.DataPadding:
                GapInData(bytes, timestampNs);
                break;
            case State.Resync:
                SkippedBytes += _resync.Length + bytes;
                ClearResync();
                break;
            default:
                // Inside a header, the preface, or across the end of a frame: boundaries are gone.
                if (_state == State.Payload)
                    _sink.OnFrameLost(_frame, timestampNs);
                LoseSync(timestampNs);
                SkippedBytes += bytes;
                break;
        }
    }

    /// <summary>The stream ended (connection closed or end of the capture).</summary>
    public void End(ulong timestampNs)
    {
        _lastNs = timestampNs;
        if (_state == State.Resync && _resync.Length > 0)
            Resync(timestampNs, atEnd: true);
        switch (_state)
        {
            case State.Payload:
            case State.DataPadLength:
            case State.DataBody:
            case State.DataPadding:
                _sink.OnTruncated(_frame, timestampNs);
                break;
            case State.Resync:
                SkippedBytes += _resync.Length;
                ClearResync();
                break;
        }
        _payload = null;
        _headerFill = 0;
    }

    public void Dispose() => _resync.Dispose();

    private void GapInData(long bytes, ulong timestampNs)
    {
        long inData = Math.Min(bytes, _dataRemaining);
        if (inData > 0)
        {
            _dataRemaining -= inData;
            _sink.OnDataGap(_frame, inData);
        }
        long rest = bytes - inData;
        if (rest <= _paddingRemaining)
        {
            _paddingRemaining -= (int)rest;
            if (_dataRemaining == 0)
                _state = State.DataPadding;
            if (_dataRemaining == 0 && _paddingRemaining == 0)
                EndData(timestampNs);
            return;
        }
        // The gap runs past the end of the frame.
        EndData(timestampNs);
        SkippedBytes += rest - _paddingRemaining;
        LoseSync(timestampNs);
    }

    private void LoseSync(ulong timestampNs)
    {
        _state = State.Resync;
        _headerFill = 0;
        _payload = null;
        ClearResync();
        _sink.OnSyncLost(timestampNs);
    }

    private void Resync(ulong timestampNs, bool atEnd)
    {
        var bytes = _resync.Span;
        int offset = 0;
        while (offset < bytes.Length)
        {
            var verdict = Http2FramePlausibility.Check(bytes[offset..], MaxFrameSize, atEnd);
            if (verdict == PlausibilityVerdict.NeedMore)
                break;
            if (verdict == PlausibilityVerdict.Plausible)
            {
                SkippedBytes += offset;
                bool preface = Http2Preface.StartsWith(bytes[offset..], out _);
                _state = preface ? State.Preface : State.Header;
                var rest = bytes[offset..].ToArray();
                DropHeldChunks(offset);
                var chunks = _resyncChunks.ToArray();
                ClearResync();
                // Chunk by chunk with their own timestamps; framing may be lost again on the way (Feed then holds the rest).
                int at = 0;
                foreach (var (length, ns) in chunks)
                {
                    Feed(rest.AsMemory(at, length), ns);
                    at += length;
                }
                _lastNs = timestampNs;
                return;
            }
            offset++;
        }
        SkippedBytes += offset;
        _resync.RemovePrefix(offset);
        DropHeldChunks(offset);
    }

    private void ClearResync()
    {
        _resync.Clear();
        _resyncChunks.Clear();
    }

    /// <summary>The first <paramref name="count"/> held octets are gone: shorten the held chunks to match.</summary>
    private void DropHeldChunks(int count)
    {
        int drop = 0;
        while (count > 0 && drop < _resyncChunks.Count)
        {
            var (length, ns) = _resyncChunks[drop];
            if (length > count)
            {
                _resyncChunks[drop] = (length - count, ns);
                break;
            }
            count -= length;
            drop++;
        }
        _resyncChunks.RemoveRange(0, drop);
    }

    private void Run(ReadOnlyMemory<byte> memory, ulong ts)
    {
        var span = memory.Span;
        int pos = 0;
        while (pos < span.Length)
        {
            switch (_state)
            {
                case State.Preface:
                {
                    int take = Math.Min(Http2Preface.Length - _headerFill, span.Length - pos);
                    if (!span.Slice(pos, take).SequenceEqual(Http2Preface.Bytes.Slice(_headerFill, take)))
                    {
                        // Not the preface after all: treat what came as bytes to resynchronize on.
                        _resync.Append(Http2Preface.Bytes[.._headerFill]);
                        _resyncChunks.Add((_headerFill, ts));
                        _headerFill = 0;
                        _state = State.Resync;
                        _sink.OnSyncLost(ts);
                        Feed(memory[pos..], ts);
                        return;
                    }
                    _headerFill += take;
                    pos += take;
                    if (_headerFill == Http2Preface.Length)
                    {
                        _headerFill = 0;
                        _state = State.Header;
                        _sink.OnPreface(ts);
                    }
                    break;
                }
                case State.Header:
                {
                    if (_headerFill == 0)
                        _frameStartNs = ts;
                    Http2FrameHeader header;
                    bool reserved;
                    if (_headerFill == 0 && span.Length - pos >= Http2FrameHeader.Size)
                    {
                        header = Http2FrameHeader.Read(span[pos..], out reserved);
                        pos += Http2FrameHeader.Size;
                    }
                    else
                    {
                        int take = Math.Min(Http2FrameHeader.Size - _headerFill, span.Length - pos);
                        span.Slice(pos, take).CopyTo(_headerBytes.AsSpan(_headerFill));
                        _headerFill += take;
                        pos += take;
                        if (_headerFill < Http2FrameHeader.Size)
                            return;
                        _headerFill = 0;
                        header = Http2FrameHeader.Read(_headerBytes, out reserved);
                    }
                    if (header.Length > MaxFrameSize)
                    {
                        // FRAME_SIZE_ERROR for a peer; for us, the framing cannot be trusted any more.
                        LoseSync(ts);
                        Feed(memory[pos..], ts);
                        return;
                    }
                    StartFrame(header, ts);
                    break;
                }
                case State.Payload:
                {
                    int take = Math.Min(_payloadRemaining, span.Length - pos);
                    if (_payload is null && take == _frame.Length)
                    {
                        // The whole payload is in this chunk: no copy.
                        pos += take;
                        _payloadRemaining = 0;
                        EmitFrame(span.Slice(pos - take, take), ts);
                        break;
                    }
                    _payload ??= new byte[_frame.Length];
                    span.Slice(pos, take).CopyTo(_payload.AsSpan(_payloadFill));
                    _payloadFill += take;
                    _payloadRemaining -= take;
                    pos += take;
                    if (_payloadRemaining == 0)
                        EmitFrame(_payload.AsSpan(0, _payloadFill), ts);
                    break;
                }
                case State.DataPadLength:
                {
                    int padding = span[pos++];
                    if (padding >= _frame.Length)
                    {
                        // PROTOCOL_ERROR: padding longer than the frame. Count it all as lost data.
                        _dataRemaining = _frame.Length - 1;
                        _paddingRemaining = 0;
                    }
                    else
                    {
                        _dataRemaining = _frame.Length - 1 - padding;
                        _paddingRemaining = padding;
                    }
                    _state = _dataRemaining > 0 ? State.DataBody : State.DataPadding;
                    if (_dataRemaining == 0 && _paddingRemaining == 0)
                        EndData(ts);
                    break;
                }
                case State.DataBody:
                {
                    int take = (int)Math.Min(_dataRemaining, span.Length - pos);
                    _sink.OnData(_frame, memory.Slice(pos, take), ts);
                    pos += take;
                    _dataRemaining -= take;
                    if (_dataRemaining == 0)
                    {
                        _state = State.DataPadding;
                        if (_paddingRemaining == 0)
                            EndData(ts);
                    }
                    break;
                }
                case State.DataPadding:
                {
                    int take = Math.Min(_paddingRemaining, span.Length - pos);
                    pos += take;
                    _paddingRemaining -= take;
                    if (_paddingRemaining == 0)
                        EndData(ts);
                    break;
                }
                case State.Resync:
                    Feed(memory[pos..], ts);
                    return;
            }
        }
    }

    private void StartFrame(Http2FrameHeader header, ulong ts)
    {
        _frame = header;
        _frameHoled = false;
        if (header.Type == Http2FrameType.Data)
        {
            _sink.OnDataBegin(header, _frameStartNs);
            _paddingRemaining = 0;
            _dataRemaining = header.Length;
            if (header.Has(Http2Flags.Padded) && header.Length > 0)
                _state = State.DataPadLength;
            else if (header.Length > 0)
                _state = State.DataBody;
            else
                EndData(ts);
            return;
        }
        _payload = null;
        _payloadFill = 0;
        _payloadRemaining = header.Length;
        _state = State.Payload;
        if (header.Length == 0)
            EmitFrame([], ts);
    }

    private void EmitFrame(ReadOnlySpan<byte> payload, ulong ts)
    {
        _state = State.Header;
        _payload = null;
        if (_frameHoled)
            _sink.OnFrameLost(_frame, ts);
        else if ((byte)_frame.Type > (byte)Http2FrameType.Continuation)
            UnknownFrames++; // RFC 9113 section 4.1: unknown types are ignored
        else
            _sink.OnFrame(new Http2Frame(_frame, payload, _frameStartNs, ts));
    }

    private void EndData(ulong ts)
    {
        _state = State.Header;
        _sink.OnDataEnd(_frame, ts);
    }
}
