using Capture.Replay.Input;

namespace Capture.Replay.Scheduling;

/// <summary>Computes when each request is due, lazily (a --duration run loops without end).</summary>
internal static class Schedule
{
    public static IEnumerable<ScheduledRequest> For(ReplayPlan plan, ReplayOptions options)
    {
        var requests = plan.Requests;
        if (requests.Count == 0)
            yield break;
        var first = requests[0].StartedAt;
        // One loop lasts the recorded span plus one average gap, so the next loop's first
        // request does not land on top of this loop's last.
        var span = plan.RecordedSpan;
        var averageGap = requests.Count > 1 ? span / (requests.Count - 1) : TimeSpan.Zero;
        double loopSeconds = (span + averageGap).TotalSeconds;
        long sequence = 0;
        for (int iteration = 0; iteration < options.Loop; iteration++)
        {
            foreach (var request in requests)
            {
                var at = options.Timing switch
                {
                    TimingMode.Speed => Seconds((loopSeconds * iteration + (request.StartedAt - first).TotalSeconds) / options.Speed),
                    TimingMode.Rate => Seconds(sequence / options.Rate),
                    _ => TimeSpan.Zero,
                };
                sequence++;
                yield return new ScheduledRequest(request, iteration, at);
            }
        }
    }

    // Far enough to never come (thousands of years), yet safe to add to and subtract from.
    static readonly double LatestSeconds = TimeSpan.MaxValue.TotalSeconds / 4;

    /// <summary>
    /// Due times are computed in doubles and saturate: recorded start times years apart, a slow --speed
    /// or a long loop must give a far due time, not an OverflowException.
    /// </summary>
    static TimeSpan Seconds(double seconds) => TimeSpan.FromSeconds(Math.Min(seconds, LatestSeconds));
}
