namespace Capture.Replay.Scheduling;

/// <summary>
/// Waits until a point on the run's clock with sub-millisecond accuracy: timers on Linux fire up
/// to a millisecond or two late, so sleep until shortly before and spin the rest.
/// </summary>
internal static class PreciseDelay
{
    static readonly TimeSpan SpinWindow = TimeSpan.FromMilliseconds(2);
    // Task.Delay takes at most about 49 days: a far due time is waited for in steps.
    static readonly TimeSpan LongestSleep = TimeSpan.FromDays(1);

    public static async ValueTask UntilAsync(RunClock clock, TimeSpan due, CancellationToken ct)
    {
        var remaining = due - clock.Elapsed;
        if (remaining <= TimeSpan.Zero)
            return;
        // Spinning only helps against the system clock: any other clock moves when its owner moves it,
        // which is when its timers fire.
        var spinWindow = clock.Time == TimeProvider.System ? SpinWindow : TimeSpan.Zero;
        while (remaining > spinWindow)
        {
            await Task.Delay(WholeMilliseconds(Min(remaining - spinWindow, LongestSleep)), clock.Time, ct).ConfigureAwait(false);
            remaining = due - clock.Elapsed;
        }
        var spinner = new SpinWait();
        while (clock.Elapsed < due)
        {
            ct.ThrowIfCancellationRequested();
            spinner.SpinOnce(sleep1Threshold: -1); // yield, never Sleep(1): that would overshoot
        }
    }

    static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    /// <summary>Task.Delay counts whole milliseconds: less than one would return at once, and this loop would spin.</summary>
    static TimeSpan WholeMilliseconds(TimeSpan wait) => TimeSpan.FromMilliseconds(Math.Ceiling(wait.TotalMilliseconds));
}
