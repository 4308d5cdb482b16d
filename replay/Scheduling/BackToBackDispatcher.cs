namespace Capture.Replay.Scheduling;

/// <summary>
/// Dispatching for --max, where nothing waits for a due time: N workers each start the next
/// request as soon as their previous one has ended. <see cref="Dispatcher"/>'s single loop would
/// be woken through a semaphore by every finishing request, an extra thread-pool hop (and often a
/// thread wake-up) per request. Requests of one recorded connection still run one after another.
/// </summary>
internal sealed class BackToBackDispatcher(int concurrency, TimeSpan? duration, bool keepConnectionOrder = true) : IDispatcher
{
    public async Task<bool> RunAsync(IEnumerable<ScheduledRequest> schedule, RunClock clock, RequestWork work, CancellationToken ct)
    {
        using var next = schedule.GetEnumerator();
        var take = new Lock();
        var laneTails = new Dictionary<string, Task>(StringComparer.Ordinal);
        bool finished = false, interrupted = false;

        // The next request with the task it must wait for (its connection's previous request) and the
        // completion its successor waits for; null when the run is over for this worker.
        (ScheduledRequest Item, Task Previous, TaskCompletionSource? Done)? Take()
        {
            lock (take)
            {
                if (finished)
                    return null;
                // Past --duration, or the schedule is done (a null duration compares false: no limit).
                if (clock.Elapsed >= duration || !next.MoveNext() || next.Current.At >= duration)
                {
                    finished = true;
                    return null;
                }
                if (ct.IsCancellationRequested)
                {
                    finished = interrupted = true;
                    return null;
                }
                var item = next.Current;
                string? lane = keepConnectionOrder ? item.Request.ConnectionId : null;
                if (lane is null)
                    return (item, Task.CompletedTask, null);
                var previous = laneTails.TryGetValue(lane, out var tail) ? tail : Task.CompletedTask;
                var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                laneTails[lane] = done.Task;
                return (item, previous, done);
            }
        }

        async Task Worker()
        {
            while (Take() is var (item, previous, done))
            {
                try
                {
                    await previous.ConfigureAwait(false);
                    if (!ct.IsCancellationRequested)
                    {
                        var running = work(item, clock.Elapsed - item.At, ct);
                        // Streams of one HTTP/2 connection overlap: the next may start once this one has.
                        if (item.Request.Multiplexed)
                            done?.TrySetResult();
                        await running.ConfigureAwait(false);
                    }
                }
                catch (OperationCanceledException) when (ct.IsCancellationRequested)
                {
                }
                finally
                {
                    done?.TrySetResult();
                }
            }
        }

        var workers = new Task[concurrency];
        for (int i = 0; i < concurrency; i++)
            workers[i] = Worker();
        await Task.WhenAll(workers).ConfigureAwait(false);
        return !interrupted;
    }
}
