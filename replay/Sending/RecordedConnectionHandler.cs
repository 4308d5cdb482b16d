namespace Capture.Replay.Sending;

/// <summary>
/// Keeps the streams of one recorded HTTP/2 connection on one replayed connection: each recorded connection
/// gets a handler of its own (a handler opens one HTTP/2 connection per target and multiplexes on it), so its
/// streams share a connection as they did when recorded, and other recorded connections get their own.
/// Everything else (HTTP/1.1, HTTP/2 without a recorded connection) goes through one shared handler.
/// A handler is let go once it has had nothing in flight for <paramref name="idleAfter"/> (its connection
/// would have been closed as idle anyway), so a long recording does not keep one per connection ever seen.
/// </summary>
public sealed class RecordedConnectionHandler(Func<SocketsHttpHandler> createHandler, TimeSpan idleAfter, TimeProvider time) : HttpMessageHandler
{
    /// <summary>Set on a request by <see cref="RequestFactory"/>: the recorded connection it belongs to.</summary>
    public static readonly HttpRequestOptionsKey<string> Connection = new("capture.recordedConnection");

    /// <summary>How many new connections between two looks for idle ones.</summary>
    const int SweepEvery = 64;

    readonly HttpMessageInvoker _shared = new(createHandler());
    readonly Lock _lock = new();
    readonly Dictionary<string, Pinned> _pinned = new(StringComparer.Ordinal);
    int _createdSinceSweep;
    bool _disposed;

    sealed class Pinned(HttpMessageInvoker invoker)
    {
        public readonly HttpMessageInvoker Invoker = invoker;
        public int InFlight;
        public long IdleSince;
    }

    /// <summary>Handlers (so connections) opened for recorded HTTP/2 connections so far.</summary>
    public int PinnedConnectionsOpened { get; private set; }

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        request.Version.Major >= 2 && request.Options.TryGetValue(Connection, out string? key)
            ? SendPinnedAsync(key, request, cancellationToken)
            : _shared.SendAsync(request, cancellationToken);

    async Task<HttpResponseMessage> SendPinnedAsync(string key, HttpRequestMessage request, CancellationToken ct)
    {
        var pinned = Acquire(key);
        try
        {
            // Returns when the answer's headers are in; its body is read within the attempt timeout after that.
            return await pinned.Invoker.SendAsync(request, ct).ConfigureAwait(false);
        }
        finally
        {
            lock (_lock)
            {
                pinned.InFlight--;
                pinned.IdleSince = time.GetTimestamp();
            }
        }
    }

    Pinned Acquire(string key)
    {
        List<HttpMessageInvoker>? idle = null;
        Pinned pinned;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!_pinned.TryGetValue(key, out pinned!))
            {
                _pinned[key] = pinned = new Pinned(new HttpMessageInvoker(createHandler()));
                PinnedConnectionsOpened++;
                if (++_createdSinceSweep >= SweepEvery)
                {
                    _createdSinceSweep = 0;
                    idle = TakeIdle();
                }
            }
            pinned.InFlight++;
        }
        foreach (var invoker in idle ?? [])
            invoker.Dispose();
        return pinned;
    }

    /// <summary>Removes the handlers idle for longer than <see cref="idleAfter"/>; called under the lock.</summary>
    List<HttpMessageInvoker> TakeIdle()
    {
        var idle = new List<HttpMessageInvoker>();
        foreach (var (key, pinned) in _pinned)
        {
            if (pinned.InFlight == 0 && pinned.IdleSince != 0 && time.GetElapsedTime(pinned.IdleSince) > idleAfter)
            {
                idle.Add(pinned.Invoker);
                _pinned.Remove(key);
            }
        }
        return idle;
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
