namespace Capture.Replay.Scheduling;

/// <summary>The work for one request; gets how late it started. Must not throw except on cancellation.</summary>
internal delegate Task RequestWork(ScheduledRequest item, TimeSpan lag, CancellationToken ct);

/// <summary>Starts the requests of a schedule with at most N in flight, keeping recorded per-connection order.</summary>
internal interface IDispatcher
{
    /// <summary>Runs the schedule; returns false when cancelled before every request was started.</summary>
    Task<bool> RunAsync(IEnumerable<ScheduledRequest> schedule, RunClock clock, RequestWork work, CancellationToken ct);
}
