using Capture.Traffic.Http;
using Capture.Format.Records;

namespace Capture.Traffic.Reassembly;

/// <summary>
/// Rebuilds the exchanges of one connection: orders each direction's bytes, parses requests and
/// responses, and pairs them in order (HTTP/1.1 answers pipelined requests in the order they came).
/// An exchange is handed out as soon as both its request and its final response are complete.
/// </summary>
internal sealed class ConnectionAssembler : IStreamConsumer, IHttpMessageSink, IDisposable
{
    private readonly HttpParserOptions _parserOptions;
    private readonly Action<HttpExchange> _emit;
    private readonly StreamOrderer _egress;
    private readonly StreamOrderer _ingress;
    private readonly bool _startsMidStream;

    private HttpStreamParser? _requestParser;
    private HttpStreamParser? _responseParser;
    /// <summary>Which direction carries requests; decided from the role, or from the first bytes when the role is unknown.</summary>
    private Direction _requestDirection;

    // Requests (head seen) still waiting for their final response, oldest first.
    private readonly Queue<HttpExchange> _unanswered = new();
    // Answered exchanges whose request body is still arriving (a server may answer early).
    private readonly Queue<HttpExchange> _answered = new();
    private readonly List<HttpMessage> _orphanInterim = [];
    private HttpExchange? _requestInProgress;
    private int _nextIndex;

    public ConnectionAssembler(ConnectionInfo info, HttpParserOptions parserOptions, Action<HttpExchange> emit)
    {
        Info = info;
        _parserOptions = parserOptions;
        _emit = emit;
        _startsMidStream = info.Source == ConnectionSource.AlreadyOpen;
        _egress = new StreamOrderer(Direction.Egress, _startsMidStream);
        _ingress = new StreamOrderer(Direction.Ingress, _startsMidStream);
    }

    public ConnectionInfo Info { get; private set; }
    public bool Closed { get; private set; }
    public long GapBytes => _egress.GapBytes + _ingress.GapBytes;
    public long SkippedBytes => (_requestParser?.SkippedBytes ?? 0) + (_responseParser?.SkippedBytes ?? 0);
    public long TunnelBytes => (_requestParser?.TunnelBytes ?? 0) + (_responseParser?.TunnelBytes ?? 0);

    /// <summary>Start of the oldest exchange of this connection not yet handed out, if any.</summary>
    public ulong? OldestPendingStartNs
    {
        get
        {
            ulong? oldest = null;
            if (_answered.TryPeek(out var a))
                oldest = a.StartNs;
            else if (_unanswered.TryPeek(out var u))
                oldest = u.StartNs;
            if (_requestParser?.MessageStartNs is { } s && (oldest is null || s < oldest))
                oldest = s;
            if (_responseParser?.MessageStartNs is { } r && (oldest is null || r < oldest))
                oldest = r;
            return oldest;
        }
    }

    public void Offer(DataRecord record)
    {
        if (Closed)
            return;
        // TLS plaintext marks the connection https even when its opening record did not say so.
        if ((record.Flags & DataFlags.Tls) != 0 && !Info.IsTls)
            Info = Info with { IsTls = true };
        (record.Direction == Direction.Egress ? _egress : _ingress).Offer(record, this);
    }

    /// <summary>The connection closed (or the capture ended): settle gaps, end both streams, hand out everything left.</summary>
    public void Close(ulong timestampNs, ulong? bytesSent = null, ulong? bytesReceived = null)
    {
        if (Closed)
            return;
        _egress.Finish(bytesSent, timestampNs, this);
        _ingress.Finish(bytesReceived, timestampNs, this);
        _requestParser?.End(timestampNs);
        _responseParser?.End(timestampNs);
        Closed = true;
        while (_answered.TryDequeue(out var exchange))
            _emit(exchange);
        while (_unanswered.TryDequeue(out var exchange))
            _emit(exchange);
    }

    /// <summary>
    /// The connection opened with HTTP/2's client preface. Its frames are not HTTP/1 messages, so
    /// they are not parsed here (the traffic library decodes HTTP/2; the HAR sink does not use it yet).
    /// </summary>
    public bool IsHttp2 { get; private set; }

    private static ReadOnlySpan<byte> Http2Preface => "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8;

    void IStreamConsumer.OnData(Direction direction, ReadOnlyMemory<byte> data, ulong timestampNs)
    {
        if (IsHttp2)
            return;
        if (_requestParser is null && data.Span.StartsWith(Http2Preface[..Math.Min(Http2Preface.Length, data.Length)]) && data.Length >= 8)
        {
            IsHttp2 = true;
            return;
        }
        EnsureParsers(direction, data.Span);
        ParserFor(direction).Feed(data.Span, timestampNs);
    }

    void IStreamConsumer.OnGap(Direction direction, long bytes, ulong timestampNs)
    {
        if (IsHttp2)
            return;
        EnsureParsers(direction, default);
        ParserFor(direction).Gap(bytes, timestampNs);
    }

    void IHttpMessageSink.OnHead(HttpMessage message)
    {
        if (message.IsRequest)
        {
            _requestInProgress = NewExchange(message);
            _unanswered.Enqueue(_requestInProgress);
        }
    }

    void IHttpMessageSink.OnMessage(HttpMessage message)
    {
        if (message.IsRequest)
            OnRequest(message);
        else
            OnResponse(message);
    }

    /// <summary>Frees the parsers' buffers; exchanges never handed out (a conversion that stopped early) are disposed with them.</summary>
    public void Dispose()
    {
        _requestParser?.Dispose();
        _responseParser?.Dispose();
        while (_answered.TryDequeue(out var exchange))
            exchange.Dispose();
        while (_unanswered.TryDequeue(out var exchange))
            exchange.Dispose();
    }

    private void OnRequest(HttpMessage request)
    {
        HttpExchange exchange;
        if (_requestInProgress?.Request == request)
        {
            exchange = _requestInProgress;
        }
        else
        {
            // Lost, malformed or truncated heads never announced themselves with OnHead.
            exchange = NewExchange(request);
            _unanswered.Enqueue(exchange);
        }
        _requestInProgress = null;
        if (request.Method == "CONNECT" || request.GetHeader("Upgrade") is not null)
            _requestParser!.Pause();
        EmitReady();
    }

    private void OnResponse(HttpMessage response)
    {
        bool interim = response.StatusCode is >= 100 and < 200 && response.StatusCode != 101 && !response.Malformed && !response.Lost;
        if (interim)
        {
            if (_unanswered.TryPeek(out var waiting))
                waiting.PendingInterim.Add(response);
            else
                _orphanInterim.Add(response);
            return;
        }

        if (!_unanswered.TryDequeue(out var exchange))
            exchange = NewExchange(null);
        foreach (var early in exchange.PendingInterim)
            response.InterimResponses.Add(early);
        exchange.PendingInterim.Clear();
        if (_orphanInterim.Count > 0)
        {
            response.InterimResponses.InsertRange(0, _orphanInterim);
            _orphanInterim.Clear();
        }
        exchange.Response = response;

        bool tunnel = response.StatusCode == 101 || (exchange.Request?.Method == "CONNECT" && response.StatusCode is >= 200 and < 300);
        if (tunnel)
        {
            exchange.Upgraded = true;
            _requestParser?.EnterTunnel();
        }
        else
        {
            _requestParser?.Resume();
        }
        _answered.Enqueue(exchange);
        EmitReady();
    }

    private void EmitReady()
    {
        while (_answered.TryPeek(out var exchange) && exchange != _requestInProgress)
            _emit(_answered.Dequeue());
    }

    private HttpExchange NewExchange(HttpMessage? request) =>
        new() { Connection = Info, IndexOnConnection = _nextIndex++, Request = request };

    private HttpStreamParser ParserFor(Direction direction) =>
        direction == _requestDirection ? _requestParser! : _responseParser!;

    private void EnsureParsers(Direction direction, ReadOnlySpan<byte> firstBytes)
    {
        if (_requestParser is not null)
            return;
        _requestDirection = Info.Role switch
        {
            ConnectionRole.Client => Direction.Egress,
            ConnectionRole.Server => Direction.Ingress,
            _ => InferRequestDirection(direction, firstBytes),
        };
        if (Info.Role == ConnectionRole.Unknown)
            Info = Info with { Role = _requestDirection == Direction.Egress ? ConnectionRole.Client : ConnectionRole.Server };
        _requestParser = new HttpStreamParser(true, this, null, _parserOptions);
        _responseParser = new HttpStreamParser(false, this, () => _unanswered.TryPeek(out var e) ? e.Request?.Method : null, _parserOptions);
        if (_startsMidStream)
        {
            _requestParser.StartMidStream();
            _responseParser.StartMidStream();
        }
    }

    /// <summary>Bytes starting with "HTTP/" are a response; anything else first seen is taken for a request.</summary>
    private static Direction InferRequestDirection(Direction direction, ReadOnlySpan<byte> firstBytes)
    {
        bool looksLikeResponse = firstBytes.StartsWith("HTTP/"u8);
        Direction other = direction == Direction.Egress ? Direction.Ingress : Direction.Egress;
        return looksLikeResponse ? other : direction;
    }
}
