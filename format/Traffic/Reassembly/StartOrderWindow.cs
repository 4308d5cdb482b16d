namespace Capture.Traffic.Reassembly;

/// <summary>
/// Re-sorts exchanges, which finish roughly in start order, into exact start order without holding
/// the whole capture. An exchange may leave once no exchange can still appear that started before
/// it: the caller supplies that watermark (the oldest start still in flight on any connection, or
/// the stream time minus clock skew). The window is bounded; past the bound the oldest leaves anyway
/// and is counted as possibly out of order (a very long request holding everything back).
/// </summary>
internal sealed class StartOrderWindow(int capacity)
{
    private readonly PriorityQueue<HttpExchange, (ulong Start, long Sequence)> _queue = new();
    private long _sequence;
    private ulong _lastStart;

    public int Count => _queue.Count;
    public long OutOfOrder { get; private set; }

    public void Add(HttpExchange exchange) => _queue.Enqueue(exchange, (exchange.StartNs, _sequence++));

    /// <summary>Exchanges that started before <paramref name="watermarkNs"/>, plus the oldest ones beyond capacity.</summary>
    public IEnumerable<HttpExchange> Release(ulong watermarkNs)
    {
        while (_queue.TryPeek(out var exchange, out var key) && (key.Start <= watermarkNs || _queue.Count > capacity))
            yield return Take(exchange);
    }

    public IEnumerable<HttpExchange> ReleaseAll()
    {
        while (_queue.TryPeek(out var exchange, out _))
            yield return Take(exchange);
    }

    private HttpExchange Take(HttpExchange exchange)
    {
        _queue.Dequeue();
        if (exchange.StartNs < _lastStart)
            OutOfOrder++;
        else
            _lastStart = exchange.StartNs;
        return exchange;
    }
}
