using Capture.Replay.Input;

namespace Capture.Replay.Scheduling;

/// <summary>Computes when each request is due, lazily (a --duration run loops without end).</summary>
public static class Schedule
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
        var loopPeriod = span + averageGap;
        long sequence = 0;
        for (int iteration = 0; iteration < options.Loop; iteration++)
        {
            foreach (var request in requests)
            {
                var at = options.Timing switch
                {
                    TimingMode.Speed => (loopPeriod * iteration + (request.StartedAt - first)) / options.Speed,
                    TimingMode.Rate => TimeSpan.FromSeconds(sequence / options.Rate),
                    _ => TimeSpan.Zero,
                };
                sequence++;
                yield return new ScheduledRequest(request, iteration, at);
            }
        }
    }
}
