namespace Capture.Replay.Sending;

/// <summary>
/// Turns the circuit breaker into a pause: while the circuit is open, requests wait here
/// instead of failing; after too many openings in a row the target is considered down and
/// waiting stops, so a dead target ends the run quickly with a complete report.
/// </summary>
internal sealed class CircuitGate(int giveUpAfterBreaks, TimeProvider time)
{
    readonly Lock _lock = new();
    long _resumeAtTicks;
    int _consecutiveBreaks;

    public bool GaveUp { get; private set; }
    public int Breaks { get; private set; }

    public void Opened(TimeSpan breakDuration)
    {
        lock (_lock)
        {
            Breaks++;
            _consecutiveBreaks++;
            _resumeAtTicks = PipelineFactory.DeadlineAfter(time, breakDuration);
            if (_consecutiveBreaks >= giveUpAfterBreaks)
                GaveUp = true;
        }
    }

    public void Closed()
    {
        lock (_lock)
            _consecutiveBreaks = 0;
    }

    /// <summary>How long the current break still lasts (zero when the circuit is closed or sending was given up).</summary>
    public TimeSpan OpenFor()
    {
        long resumeAt;
        lock (_lock)
            resumeAt = _resumeAtTicks;
        var remaining = PipelineFactory.TimeLeft(time, resumeAt);
        return remaining > TimeSpan.Zero && !GaveUp ? remaining : TimeSpan.Zero;
    }
}
