namespace Capture.Traffic.Http;

/// <summary>
/// Incremental HTTP/1.x parser for one direction of one connection. Bytes are fed as they come
/// (any chunking), gaps are reported as lengths, and whole messages go to the sink.
/// The bytes given to <see cref="Feed"/> are only read during the call: unparsed bytes (a partial head
/// or chunk line) are copied to a pooled buffer, bodies to the message's body (memory, or a temporary
/// file past <see cref="HttpParserOptions.SpillBodiesOverBytes"/>). Never throws on bad input: it marks the message
/// malformed and resynchronizes at the next line that looks like a start line.
/// </summary>
internal sealed class HttpStreamParser : IDisposable
{
    private enum State { Head, Body, Tunnel, Resync, Paused }

    private readonly bool _requests;
    private readonly IHttpMessageSink _sink;
    private readonly Func<string?>? _methodOfPendingRequest;
    private readonly HttpParserOptions _options;
    private readonly PooledByteBuffer _pending = new();
    private readonly BodyAccumulator _body;
    private readonly ChunkedBodyDecoder _chunked = new();

    private State _state = State.Head;
    private HttpMessage? _current;
    private BodyFraming _framing;
    private long _remaining;
    private bool _headStarted;
    private ulong _headStartNs;
    private bool _resyncAtLineStart;
    private ulong _lastNs;
    // True while Run parses: the pending buffer must not be cleared under it.
    private bool _running;

    /// <param name="requests">True for the request direction.</param>
    /// <param name="methodOfPendingRequest">For responses: the method of the request the next response answers (HEAD and CONNECT change framing).</param>
    public HttpStreamParser(bool requests, IHttpMessageSink sink, Func<string?>? methodOfPendingRequest = null, HttpParserOptions? options = null)
    {
        _requests = requests;
        _sink = sink;
        _methodOfPendingRequest = methodOfPendingRequest;
        _options = options ?? HttpParserOptions.Default;
        _body = new BodyAccumulator(_options);
    }

    /// <summary>Bytes thrown away while looking for the next message start.</summary>
    public long SkippedBytes { get; private set; }
    /// <summary>Bytes after an upgrade or CONNECT, which are not HTTP.</summary>
    public long TunnelBytes { get; private set; }
    public bool InTunnel => _state == State.Tunnel;

    /// <summary>Timestamp of the first byte of the message being parsed, if one has started.</summary>
    public ulong? MessageStartNs => _current?.FirstByteNs ?? (_headStarted ? _headStartNs : null);

    /// <summary>The stream starts somewhere inside the conversation (connection open before recording): skip to the first start line.</summary>
    public void StartMidStream()
    {
        _state = State.Resync;
        _resyncAtLineStart = true;
    }

    /// <summary>The next bytes of the stream; <paramref name="data"/> may be reused by the caller once this returns.</summary>
    public void Feed(ReadOnlySpan<byte> data, ulong timestampNs)
    {
        _lastNs = timestampNs;
        if (data.IsEmpty)
            return;
        if (_pending.Length == 0)
        {
            int used = Run(data, timestampNs);
            if (used < data.Length)
                _pending.Append(data[used..]);
        }
        else
        {
            _pending.Append(data);
            int used = Run(_pending.Span, timestampNs);
            _pending.RemovePrefix(used);
        }
    }

    /// <summary><paramref name="bytes"/> of the stream were never captured. Nothing is spliced: the message they fall in is marked incomplete.</summary>
    public void Gap(long bytes, ulong timestampNs)
    {
        _lastNs = timestampNs;
        if (bytes <= 0)
            return;
        switch (_state)
        {
            case State.Head:
            case State.Paused:
                // Bytes missing between or inside heads: at least one message lost its start.
                EmitLost(bytes, timestampNs);
                _pending.Clear();
                EnterResync(atLineStart: true);
                break;
            case State.Body when _framing == BodyFraming.ContentLength:
                if (bytes <= _remaining)
                {
                    _remaining -= bytes;
                    _current!.GapBytes += bytes;
                    if (_remaining == 0)
                        Complete(timestampNs);
                }
                else
                {
                    long rest = bytes - _remaining;
                    _current!.GapBytes += _remaining;
                    Complete(timestampNs);
                    EmitLost(rest, timestampNs);
                    EnterResync(atLineStart: true);
                }
                break;
            case State.Body when _framing == BodyFraming.Chunked:
                _current!.GapBytes += bytes;
                if (!_chunked.TrySkipData(bytes))
                {
                    Complete(timestampNs);
                    _pending.Clear();
                    EnterResync(atLineStart: true);
                }
                break;
            case State.Body:
                _current!.GapBytes += bytes;
                break;
            case State.Tunnel:
                TunnelBytes += bytes;
                break;
            case State.Resync:
                SkippedBytes += bytes + _pending.Length;
                _pending.Clear();
                _resyncAtLineStart = true;
                break;
        }
    }

    /// <summary>The stream ended (connection closed or end of the capture).</summary>
    public void End(ulong timestampNs)
    {
        _lastNs = timestampNs;
        if (_state == State.Body)
        {
            if (_framing != BodyFraming.CloseDelimited)
                _current!.Truncated = true;
            Complete(timestampNs);
        }
        else if (_state is State.Head or State.Paused && _headStarted)
        {
            _sink.OnMessage(new HttpMessage
            {
                IsRequest = _requests,
                FirstByteNs = _headStartNs,
                LastByteNs = timestampNs,
                Truncated = true,
                MalformedReason = "the stream ended inside the message head",
            });
            _headStarted = false;
        }
        _pending.Clear();
        if (_state != State.Tunnel)
            _state = State.Head;
    }

    /// <summary>Stop parsing after the current message until the answer to an Upgrade or CONNECT is known.</summary>
    public void Pause()
    {
        if (_state == State.Head)
            _state = State.Paused;
    }

    /// <summary>The upgrade was refused: carry on parsing HTTP.</summary>
    public void Resume()
    {
        if (_state != State.Paused)
            return;
        _state = State.Head;
        if (_pending.Length > 0)
        {
            int used = Run(_pending.Span, _lastNs);
            _pending.RemovePrefix(used);
        }
    }

    /// <summary>The connection switched protocols: everything from here on is counted, not parsed.</summary>
    public void EnterTunnel()
    {
        // Inside Run the pending bytes are being parsed: the Tunnel state consumes (and counts) the rest there.
        if (!_running)
        {
            TunnelBytes += _pending.Length;
            _pending.Clear();
        }
        _headStarted = false;
        _state = State.Tunnel;
    }

    public void Dispose()
    {
        _pending.Dispose();
        _body.Dispose();
    }

    private int Run(ReadOnlySpan<byte> input, ulong ts)
    {
        _running = true;
        try
        {
            return RunStates(input, ts);
        }
        finally
        {
            _running = false;
        }
    }

    private int RunStates(ReadOnlySpan<byte> input, ulong ts)
    {
        int pos = 0;
        while (true)
        {
            ReadOnlySpan<byte> rest = input[pos..];
            switch (_state)
            {
                case State.Head:
                {
                    if (!_headStarted)
                    {
                        // RFC 9112 section 2.2: ignore empty lines before a start line.
                        int blank = rest.IndexOfAnyExcept((byte)'\r', (byte)'\n');
                        if (blank < 0)
                            return input.Length;
                        pos += blank;
                        rest = rest[blank..];
                        _headStarted = true;
                        _headStartNs = ts;
                    }
                    var message = new HttpMessage { IsRequest = _requests, FirstByteNs = _headStartNs, LastByteNs = ts };
                    var status = HttpHeadParser.TryParse(rest, message, out int headSize, out string? error, _options.MaxHeadBytes);
                    if (status == HeadParseStatus.Incomplete)
                        return pos;
                    _headStarted = false;
                    if (status == HeadParseStatus.Malformed)
                    {
                        message.Malformed = true;
                        message.MalformedReason = error;
                        _sink.OnMessage(message);
                        EnterResync(atLineStart: false);
                        continue;
                    }
                    pos += headSize;
                    StartBody(message, ts);
                    continue;
                }
                case State.Body:
                {
                    if (rest.IsEmpty)
                        return pos;
                    var message = _current!;
                    message.LastByteNs = ts;
                    if (_framing == BodyFraming.ContentLength)
                    {
                        int take = (int)Math.Min(_remaining, rest.Length);
                        _body.Append(rest[..take]);
                        message.WireBodySize += take;
                        _remaining -= take;
                        pos += take;
                        if (_remaining == 0)
                            Complete(ts);
                    }
                    else if (_framing == BodyFraming.Chunked)
                    {
                        int used = _chunked.Decode(rest, _body, message.Trailers);
                        message.WireBodySize += used;
                        pos += used;
                        if (_chunked.Error is { } chunkError)
                        {
                            message.Malformed = true;
                            message.MalformedReason = chunkError;
                            Complete(ts);
                            EnterResync(atLineStart: true);
                        }
                        else if (_chunked.IsDone)
                            Complete(ts);
                        else
                            return pos;
                    }
                    else
                    {
                        _body.Append(rest);
                        message.WireBodySize += rest.Length;
                        return input.Length;
                    }
                    continue;
                }
                case State.Tunnel:
                    TunnelBytes += rest.Length;
                    return input.Length;
                case State.Paused:
                    return pos;
                case State.Resync:
                {
                    int start = MessageStartFinder.Find(rest, _requests, _resyncAtLineStart, _options.MaxHeadBytes, out int keepFrom);
                    if (start >= 0)
                    {
                        SkippedBytes += start;
                        pos += start;
                        _state = State.Head;
                        continue;
                    }
                    // Nothing yet: drop what cannot start a message, keep a trailing partial line.
                    SkippedBytes += keepFrom;
                    _resyncAtLineStart = true;
                    if (keepFrom == rest.Length && rest.Length > 0 && rest[^1] != (byte)'\n')
                        _resyncAtLineStart = false;
                    return pos + keepFrom;
                }
            }
        }
    }

    private void StartBody(HttpMessage message, ulong ts)
    {
        string? error;
        if (_requests)
            _framing = FramingRules.ForRequest(message, out _remaining, out error);
        else
            _framing = FramingRules.ForResponse(message, _methodOfPendingRequest?.Invoke(), out _remaining, out error);
        _current = message;
        message.LastByteNs = ts;
        _sink.OnHead(message);
        if (error is not null)
        {
            // The head is fine but its body length is unknowable: end the message here and look for the next one.
            message.Malformed = true;
            message.MalformedReason = error;
            Complete(ts);
            EnterResync(atLineStart: true);
            return;
        }
        switch (_framing)
        {
            case BodyFraming.None:
                Complete(ts);
                break;
            case BodyFraming.Tunnel:
                Complete(ts);
                EnterTunnel();
                break;
            case BodyFraming.Chunked:
                _chunked.Reset();
                _state = State.Body;
                break;
            default:
                _state = State.Body;
                break;
        }
    }

    private void Complete(ulong ts)
    {
        var message = _current!;
        _current = null;
        if (_body.OverLimit)
            message.Truncated = true;
        (message.Body, message.SpilledBody) = _body.Take();
        _state = State.Head;
        _sink.OnMessage(message);
    }

    private void EmitLost(long bytes, ulong ts)
    {
        _sink.OnMessage(new HttpMessage
        {
            IsRequest = _requests,
            Lost = true,
            GapBytes = bytes,
            FirstByteNs = _headStarted ? _headStartNs : ts,
            LastByteNs = ts,
        });
        _headStarted = false;
    }

    /// <summary>Callers outside <see cref="Run"/> clear the pending bytes themselves; inside it the scan goes on from the current position.</summary>
    private void EnterResync(bool atLineStart)
    {
        _headStarted = false;
        _state = State.Resync;
        _resyncAtLineStart = atLineStart;
    }
}
