using Capture.Traffic.Http;

namespace Capture.Traffic.Reassembly;

/// <summary>
/// HTTP/1.x behind <see cref="IConnectionParser"/>: parses requests and responses and pairs them in
/// order (HTTP/1.1 answers pipelined requests in the order they came). An exchange is handed out as
/// soon as both its request and its final response are complete.
/// </summary>
internal sealed class Http1ConnectionParser : IConnectionParser, IHttpMessageSink
{
    private readonly Func<ConnectionInfo> _connection;
    private readonly Action<HttpExchange> _emit;
    private readonly HttpStreamParser _requestParser;
    private readonly HttpStreamParser _responseParser;

    // Requests (head seen) still waiting for their final response, oldest first.
    private readonly Queue<HttpExchange> _unanswered = new();
    // Answered exchanges whose request body is still arriving (a server may answer early).
    private readonly Queue<HttpExchange> _answered = new();
    private readonly List<HttpMessage> _orphanInterim = [];
    private HttpExchange? _requestInProgress;
    private int _nextIndex;
    private bool _ended;

    /// <param name="connection">The connection as known now (its TLS flag may be learnt late).</param>
    public Http1ConnectionParser(Func<ConnectionInfo> connection, HttpParserOptions options, bool startsMidStream, Action<HttpExchange> emit)
    {
        _connection = connection;
        _emit = emit;
        _requestParser = new HttpStreamParser(true, this, null, options);
        _responseParser = new HttpStreamParser(false, this, () => _unanswered.TryPeek(out var e) ? e.Request?.Method : null, options);
        if (startsMidStream)
        {
            _requestParser.StartMidStream();
            _responseParser.StartMidStream();
        }
    }

    public long SkippedBytes => _requestParser.SkippedBytes + _responseParser.SkippedBytes;
    public long TunnelBytes => _requestParser.TunnelBytes + _responseParser.TunnelBytes;

    public ulong? OldestPendingStartNs
    {
        get
        {
            ulong? oldest = null;
            if (_answered.TryPeek(out var a))
                oldest = a.StartNs;
            else if (_unanswered.TryPeek(out var u))
                oldest = u.StartNs;
            if (_requestParser.MessageStartNs is { } s && (oldest is null || s < oldest))
                oldest = s;
            if (_responseParser.MessageStartNs is { } r && (oldest is null || r < oldest))
                oldest = r;
            return oldest;
        }
    }

    /// <summary>The parser copies what it keeps: <paramref name="data"/> is valid only during the call.</summary>
    public void OnData(TrafficDirection direction, ReadOnlyMemory<byte> data, ulong timestampNs) =>
        ParserFor(direction).Feed(data.Span, timestampNs);

    public void OnGap(TrafficDirection direction, long bytes, ulong timestampNs) =>
        ParserFor(direction).Gap(bytes, timestampNs);

    public void OnEnd(ulong timestampNs)
    {
        if (_ended)
            return;
        _ended = true;
        _requestParser.End(timestampNs);
        _responseParser.End(timestampNs);
        while (_answered.TryDequeue(out var exchange))
            _emit(exchange);
        while (_unanswered.TryDequeue(out var exchange))
            _emit(exchange);
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
        _requestParser.Dispose();
        _responseParser.Dispose();
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
            _requestParser.Pause();
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
            _requestParser.EnterTunnel();
        }
        else
        {
            _requestParser.Resume();
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
        new() { Connection = _connection(), IndexOnConnection = _nextIndex++, Request = request };

    private HttpStreamParser ParserFor(TrafficDirection direction) =>
        direction == TrafficDirection.ClientToServer ? _requestParser : _responseParser;
}
