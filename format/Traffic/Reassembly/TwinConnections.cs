namespace Capture.Traffic.Reassembly;

/// <summary>
/// The two ends of one TCP connection when both processes were traced (a client and a server on the
/// same host). Both ends see the same exchanges, so they are matched in order and only one of each
/// pair is handed out: the client's view, consistently, because HAR describes what a client saw
/// (its timings include the server's think time and the network, as a browser's would).
/// An exchange that one end saw and the other did not (lost in a gap) is handed out alone.
/// HTTP/2 streams finish in any order, so they are matched by stream id instead (ids are never reused on a connection).
/// </summary>
internal sealed class TwinConnections(ConnectionAssembler client, ConnectionAssembler server)
{
    private readonly Queue<HttpExchange> _fromClient = new();
    private readonly Queue<HttpExchange> _fromServer = new();
    private readonly Dictionary<int, HttpExchange> _streamsFromClient = [];
    private readonly Dictionary<int, HttpExchange> _streamsFromServer = [];

    public ConnectionAssembler Client { get; } = client;
    public ConnectionAssembler Server { get; } = server;
    public long DuplicatesDropped { get; private set; }

    public bool BothClosed => Client.Closed && Server.Closed;

    /// <summary>Start of the oldest exchange held here waiting for its twin.</summary>
    public ulong? OldestHeldStartNs =>
        Min(Min(_fromClient.TryPeek(out var c) ? c.StartNs : null, _fromServer.TryPeek(out var s) ? s.StartNs : null),
            Min(OldestStart(_streamsFromClient), OldestStart(_streamsFromServer)));

    public void Offer(HttpExchange exchange, bool fromClient, Action<HttpExchange> emit)
    {
        if (exchange.Http2 is { } stream)
        {
            OfferStream(exchange, stream.StreamId, fromClient, emit);
            return;
        }
        var others = fromClient ? _fromServer : _fromClient;
        while (others.TryDequeue(out var other))
        {
            if (SameExchange(exchange, other))
            {
                DuplicatesDropped++;
                var (kept, dropped) = fromClient ? (exchange, other) : (other, exchange);
                kept.Peer = dropped.Connection;
                emit(kept);
                return;
            }
            // The other end saw an exchange this end never did: it has no twin.
            emit(other);
        }
        (fromClient ? _fromClient : _fromServer).Enqueue(exchange);
    }

    /// <summary>Hand out whatever never found a twin.</summary>
    public void Flush(Action<HttpExchange> emit)
    {
        while (_fromClient.TryDequeue(out var c))
            emit(c);
        while (_fromServer.TryDequeue(out var s))
            emit(s);
        foreach (var stream in _streamsFromClient.Values.Concat(_streamsFromServer.Values).OrderBy(e => e.StartNs).ToList())
            emit(stream);
        _streamsFromClient.Clear();
        _streamsFromServer.Clear();
    }

    private void OfferStream(HttpExchange exchange, int streamId, bool fromClient, Action<HttpExchange> emit)
    {
        var others = fromClient ? _streamsFromServer : _streamsFromClient;
        if (others.Remove(streamId, out var other))
        {
            DuplicatesDropped++;
            var (kept, dropped) = fromClient ? (exchange, other) : (other, exchange);
            kept.Peer = dropped.Connection;
            emit(kept);
            return;
        }
        (fromClient ? _streamsFromClient : _streamsFromServer)[streamId] = exchange;
    }

    private static ulong? OldestStart(Dictionary<int, HttpExchange> held)
    {
        ulong? oldest = null;
        foreach (var exchange in held.Values)
            oldest = Min(oldest, exchange.StartNs);
        return oldest;
    }

    /// <summary>Same position on the connection and the same request line (or one side lost its request head).</summary>
    private static bool SameExchange(HttpExchange a, HttpExchange b)
    {
        var ra = a.Request;
        var rb = b.Request;
        if (ra is null or { Lost: true } || rb is null or { Lost: true })
            return a.Response?.StatusCode == b.Response?.StatusCode || a.Response is null || b.Response is null;
        return ra.Method == rb.Method && ra.Target == rb.Target && ra.Body.Length + ra.GapBytes == rb.Body.Length + rb.GapBytes;
    }

    private static ulong? Min(ulong? a, ulong? b) => a is null ? b : b is null ? a : Math.Min(a.Value, b.Value);
}
