namespace Capture.Replay.Scheduling;

/// <summary>
/// Time since a replay run started, read from the run's <see cref="TimeProvider"/> (the system clock,
/// or a fake one in tests), so due times, lags and the run's length all come from one injected clock.
/// </summary>
internal sealed class RunClock(TimeProvider time)
{
    readonly long _started = time.GetTimestamp();

    public TimeProvider Time => time;

    public TimeSpan Elapsed => time.GetElapsedTime(_started);
}
