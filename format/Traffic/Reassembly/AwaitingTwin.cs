namespace Capture.Traffic.Reassembly;

/// <summary>
/// A connection between two addresses of this host whose other end has not shown up in the capture
/// (yet). Both ends may be traced, and the other end's open record can come after this end's first
/// exchanges: over TLS a client's first plaintext is seen when SSL_write returns, which can be after
/// the server has read and answered it. Its exchanges wait here for the clock-skew window, so that a
/// late twin is still merged; then they leave alone.
/// </summary>
internal sealed class AwaitingTwin(ConnectionAssembler end)
{
    private readonly Queue<HttpExchange> _held = new();

    public ConnectionAssembler End { get; } = end;

    public ulong? OldestHeldStartNs => _held.TryPeek(out var e) ? e.StartNs : null;

    public void Hold(HttpExchange exchange) => _held.Enqueue(exchange);

    /// <summary>Hands out, in order, the held exchanges that started before <paramref name="startNs"/>.</summary>
    public void ReleaseStartedBefore(ulong startNs, Action<HttpExchange> emit)
    {
        while (_held.TryPeek(out var e) && e.StartNs < startNs)
            emit(_held.Dequeue());
    }

    /// <summary>Hands out everything held, in order.</summary>
    public void ReleaseAll(Action<HttpExchange> emit)
    {
        while (_held.TryDequeue(out var e))
            emit(e);
    }
}
