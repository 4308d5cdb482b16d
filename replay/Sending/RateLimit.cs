using System.Threading.RateLimiting;

namespace Capture.Replay.Sending;

/// <summary>
/// A token bucket refilled in small steps so that N requests per second come out evenly; requests over
/// the rate queue (oldest first) instead of being rejected. Written here rather than taken from
/// System.Threading.RateLimiting because that bucket measures its refills on the system clock, whatever
/// timer drives it: this one refills on a timer of the replay's <see cref="TimeProvider"/>.
/// </summary>
internal sealed class RateLimit : RateLimiter
{
    readonly Lock _lock = new();
    readonly Queue<Waiter> _waiting = new();
    readonly int _perPeriod;
    readonly ITimer _refill;
    readonly TimeProvider _time;
    int _tokens;
    long _idleSince;
    bool _disposed;

    public RateLimit(double requestsPerSecond, TimeProvider time)
    {
        // Timers tick no finer than about a millisecond: above 100/s refill every 10 ms in batches.
        var period = TimeSpan.FromSeconds(Math.Max(1.0 / requestsPerSecond, 0.010));
        _perPeriod = _tokens = Math.Max(1, (int)Math.Round(requestsPerSecond * period.TotalSeconds));
        _time = time;
        _idleSince = time.GetTimestamp();
        _refill = time.CreateTimer(static limit => ((RateLimit)limit!).Refill(), this, period, period);
    }

    public override TimeSpan? IdleDuration
    {
        get
        {
            lock (_lock)
                return _waiting.Count == 0 ? _time.GetElapsedTime(_idleSince) : null;
        }
    }

    public override RateLimiterStatistics? GetStatistics()
    {
        lock (_lock)
            return new RateLimiterStatistics { CurrentAvailablePermits = _tokens, CurrentQueuedCount = _waiting.Count };
    }

    protected override RateLimitLease AttemptAcquireCore(int permitCount)
    {
        lock (_lock)
            return TryTake(permitCount) ? Lease.Granted : Lease.Refused;
    }

    protected override ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken ct)
    {
        if (permitCount > _perPeriod)
            throw new ArgumentOutOfRangeException(nameof(permitCount), permitCount, $"At most {_perPeriod} permits at once.");
        lock (_lock)
        {
            if (TryTake(permitCount))
                return ValueTask.FromResult<RateLimitLease>(Lease.Granted);
            if (_disposed)
                return ValueTask.FromResult<RateLimitLease>(Lease.Refused);
            var waiter = new Waiter(permitCount);
            // A cancelled waiter stays queued but completed; Refill skips it without spending a token.
            waiter.Registration = ct.Register(static w => ((Waiter)w!).Done.TrySetCanceled(), waiter);
            _waiting.Enqueue(waiter);
            return new ValueTask<RateLimitLease>(waiter.Done.Task);
        }
    }

    // Under _lock. Queued requests go first: a newcomer never overtakes them.
    bool TryTake(int permitCount)
    {
        if (_disposed || _waiting.Count > 0 || _tokens < permitCount)
            return false;
        _tokens -= permitCount;
        _idleSince = _time.GetTimestamp();
        return true;
    }

    void Refill()
    {
        var granted = new List<Waiter>();
        lock (_lock)
        {
            if (_disposed)
                return;
            _tokens = Math.Min(_perPeriod, _tokens + _perPeriod);
            while (_waiting.TryPeek(out var next) && (next.Done.Task.IsCompleted || next.Permits <= _tokens))
            {
                _waiting.Dequeue();
                if (next.Done.Task.IsCompleted)
                    continue;
                _tokens -= next.Permits;
                granted.Add(next);
            }
            _idleSince = _time.GetTimestamp();
        }
        // Outside the lock: a granted request's continuation may acquire again.
        foreach (var waiter in granted)
        {
            waiter.Registration.Dispose();
            if (!waiter.Done.TrySetResult(Lease.Granted))
                lock (_lock)
                    _tokens = Math.Min(_perPeriod, _tokens + waiter.Permits); // cancelled meanwhile: give the tokens back
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (!disposing)
            return;
        List<Waiter> waiting;
        lock (_lock)
        {
            if (_disposed)
                return;
            _disposed = true;
            waiting = [.. _waiting];
            _waiting.Clear();
        }
        _refill.Dispose();
        foreach (var waiter in waiting)
        {
            waiter.Registration.Dispose();
            waiter.Done.TrySetResult(Lease.Refused);
        }
    }

    sealed class Waiter(int permits)
    {
        public readonly int Permits = permits;
        public readonly TaskCompletionSource<RateLimitLease> Done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public CancellationTokenRegistration Registration;
    }

    sealed class Lease(bool acquired) : RateLimitLease
    {
        public static readonly Lease Granted = new(true), Refused = new(false);

        public override bool IsAcquired => acquired;

        public override IEnumerable<string> MetadataNames => [];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = null;
            return false;
        }
    }
}
