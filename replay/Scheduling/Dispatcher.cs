namespace Capture.Replay.Scheduling;

/// <summary>
/// Starts scheduled requests on time with at most N in flight, and chains requests of one
/// recorded connection so each starts only after the previous one has finished.
/// </summary>
internal sealed class Dispatcher(int concurrency, TimeSpan? duration, bool keepConnectionOrder = true) : IDispatcher
{
    /// <summary>Runs the schedule; returns false when cancelled before every request was started.</summary>
    public async Task<bool> RunAsync(IEnumerable<ScheduledRequest> schedule, RunClock clock, RequestWork work, CancellationToken ct)
    {
        using var slots = new SemaphoreSlim(concurrency, concurrency);
        var laneTails = new Dictionary<string, Task>(StringComparer.Ordinal);
        bool completed = true;
        try
        {
            foreach (var item in schedule)
            {
                if (duration is { } limit && (item.At >= limit || clock.Elapsed >= limit))
                    break;
                await PreciseDelay.UntilAsync(clock, item.At, ct).ConfigureAwait(false);
                await slots.WaitAsync(ct).ConfigureAwait(false);
                string? lane = keepConnectionOrder ? item.Request.ConnectionId : null;
                var previous = lane is not null && laneTails.TryGetValue(lane, out var tail) ? tail : Task.CompletedTask;
                // Streams of one HTTP/2 connection overlap as recorded: the next waits for this one to start, not to end.
                var started = lane is not null && item.Request.Multiplexed ? new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) : null;
                var task = RunInLane(item, previous, clock, work, slots, ct, started);
                if (lane is not null)
                    laneTails[lane] = started?.Task ?? task;
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            completed = false;
        }
        // Every running request holds a slot until it ends: owning all slots means all are done.
        for (int i = 0; i < concurrency; i++)
            await slots.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        return completed;
    }

    static async Task RunInLane(ScheduledRequest item, Task previous, RunClock clock, RequestWork work, SemaphoreSlim slots, CancellationToken ct,
        TaskCompletionSource? started = null)
    {
        try
        {
            await previous.ConfigureAwait(false);
            if (!ct.IsCancellationRequested)
            {
                var running = work(item, clock.Elapsed - item.At, ct);
                started?.TrySetResult();
                await running.ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        finally
        {
            started?.TrySetResult();
            slots.Release();
        }
    }
}
