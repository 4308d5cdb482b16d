namespace Capture.Traffic.Reassembly;

/// <summary>
/// The two ends of one TCP connection when both processes were traced (a client and a server on the
/// same host). Both ends see the same exchanges, so they are matched in order and only one of each
/// pair is handed out: the client's view, consistently, because HAR describes what a client saw
/// (its timings include the server's think time and the network, as a browser's would).
/// An exchange that one end saw and the other did not (lost in a gap) is handed out alone.
/// </summary>
internal sealed class TwinConnections(ConnectionAssembler client, ConnectionAssembler server)
{
    private readonly Queue<HttpExchange> _fromClient = new();
    private readonly Queue<HttpExchange> _fromServer = new();

    public ConnectionAssembler Client { get; } = client;
    public ConnectionAssembler Server { get; } = server;
    public long DuplicatesDropped { get; private set; }

    public bool BothClosed => Client.Closed && Server.Closed;

    /// <summary>Start of the oldest exchange held here waiting for its twin.</summary>
    public ulong? OldestHeldStartNs =>
        Min(_fromClient.TryPeek(out var c) ? c.StartNs : null, _fromServer.TryPeek(out var s) ? s.StartNs : null);

    public void Offer(HttpExchange exchange, bool fromClient, Action<HttpExchange> emit)
    {
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
