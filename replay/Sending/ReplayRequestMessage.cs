namespace Capture.Replay.Sending;

/// <summary>
/// A replayed request message that can hold what it was sent through (its recorded connection's handler,
/// see <see cref="RecordedConnectionHandler"/>) until it is disposed, which the sender does only after
/// reading the whole answer.
/// </summary>
internal sealed class ReplayRequestMessage(HttpMethod method, Uri uri) : HttpRequestMessage(method, uri)
{
    readonly Lock _lock = new();
    Action? _release;
    bool _disposed;

    /// <summary>Runs <paramref name="release"/> on dispose; false (and nothing held) when already disposed.</summary>
    internal bool HoldUntilDisposed(Action release)
    {
        lock (_lock)
        {
            if (_disposed)
                return false;
            _release = release;
            return true;
        }
    }

    protected override void Dispose(bool disposing)
    {
        Action? release;
        lock (_lock)
        {
            _disposed = true;
            release = _release;
            _release = null;
        }
        release?.Invoke();
        base.Dispose(disposing);
    }
}
