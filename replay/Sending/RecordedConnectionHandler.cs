namespace Capture.Replay.Sending;

/// <summary>
/// Keeps the streams of one recorded HTTP/2 connection on one replayed connection: each recorded connection
/// gets a handler of its own (a handler opens one HTTP/2 connection per target and multiplexes on it), so its
/// streams share a connection as they did when recorded, and other recorded connections get their own.
/// Everything else (HTTP/1.1, HTTP/2 without a recorded connection) goes through one shared handler.
/// At most <paramref name="maxConnections"/> such connections stay open (--concurrency, as for HTTP/1.1):
/// beyond that, the one unused for the longest is closed, never one with a request or a body still in flight.
/// </summary>
internal sealed class RecordedConnectionHandler(Func<SocketsHttpHandler> createHandler, int maxConnections) : HttpMessageHandler
{
    /// <summary>Set on a request by <see cref="RequestFactory"/>: the recorded connection it belongs to.</summary>
    public static readonly HttpRequestOptionsKey<string> Connection = new("capture.recordedConnection");

    readonly HttpMessageInvoker _shared = new(createHandler());
    readonly Lock _lock = new();
    readonly Dictionary<string, Pinned> _pinned = new(StringComparer.Ordinal);
    long _uses;
    bool _disposed;

    sealed class Pinned(HttpMessageInvoker invoker)
    {
        public readonly HttpMessageInvoker Invoker = invoker;
        public int InFlight;
        public long LastUse;
    }

    /// <summary>Connections opened for recorded HTTP/2 connections so far.</summary>
    public int PinnedConnectionsOpened { get; private set; }

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        request.Version.Major >= 2 && request.Options.TryGetValue(Connection, out string? key)
            ? SendPinnedAsync(key, request, cancellationToken)
            : _shared.SendAsync(request, cancellationToken);

    async Task<HttpResponseMessage> SendPinnedAsync(string key, HttpRequestMessage request, CancellationToken ct)
    {
        var pinned = Acquire(key);
        bool held = false;
        try
        {
            var response = await pinned.Invoker.SendAsync(request, ct).ConfigureAwait(false);
            // The body is read after this returns: the connection stays in use until the message is disposed.
            if (request is ReplayRequestMessage message)
                held = message.HoldUntilDisposed(() => Release(pinned));
            return response;
        }
        finally
        {
            if (!held)
                Release(pinned);
        }
    }

    Pinned Acquire(string key)
    {
        HttpMessageInvoker? closed = null;
        Pinned pinned;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!_pinned.TryGetValue(key, out pinned!))
            {
                if (_pinned.Count >= maxConnections)
                    closed = RemoveLeastRecentlyUsedIdle();
                _pinned[key] = pinned = new Pinned(new HttpMessageInvoker(createHandler()));
                PinnedConnectionsOpened++;
            }
            pinned.InFlight++;
            pinned.LastUse = ++_uses;
        }
        closed?.Dispose();
        return pinned;
    }

    void Release(Pinned pinned)
    {
        lock (_lock)
            pinned.InFlight--;
    }

    /// <summary>The idle handler unused for the longest, taken out; null when every one is busy. Called under the lock.</summary>
    HttpMessageInvoker? RemoveLeastRecentlyUsedIdle()
    {
        string? oldest = null;
        long oldestUse = long.MaxValue;
        foreach (var (key, p) in _pinned)
        {
            if (p.InFlight == 0 && p.LastUse < oldestUse)
            {
                oldest = key;
                oldestUse = p.LastUse;
            }
        }
        if (oldest is null || !_pinned.Remove(oldest, out var removed))
            return null;
        return removed.Invoker;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            List<HttpMessageInvoker> all;
            lock (_lock)
            {
                _disposed = true;
                all = _pinned.Values.Select(p => p.Invoker).ToList();
                _pinned.Clear();
            }
            foreach (var invoker in all)
                invoker.Dispose();
            _shared.Dispose();
        }
        base.Dispose(disposing);
    }
}
