using HdrHistogram;

namespace Capture.Replay.Latency;

/// <summary>A latency distribution in microseconds (HdrHistogram, 3 significant digits). Not thread-safe.</summary>
public sealed class LatencyRecorder
{
    // One hour in microseconds: anything slower is clamped rather than dropped.
    const long Highest = 3_600_000_000L;
    readonly LongHistogram _histogram = new(Highest, 3);

    public long Count => _histogram.TotalCount;

    public void Record(TimeSpan value) => RecordMicroseconds((long)Math.Round(value.TotalMicroseconds));

    /// <summary>A time read from a file: any double (1e16, NaN) is clamped into the histogram's range, never an overflow.</summary>
    public void RecordMilliseconds(double milliseconds) =>
        RecordMicroseconds(double.IsNaN(milliseconds) ? 0 : (long)Math.Clamp(milliseconds * 1000, 0, Highest));

    public void RecordMicroseconds(long micros) => _histogram.RecordValue(Math.Clamp(micros, 0, Highest));

    public LatencySummary Summarize() => Count == 0
        ? new LatencySummary(0, null, null, null, null)
        : new LatencySummary(
            Count,
            Ms(_histogram.GetValueAtPercentile(50)),
            Ms(_histogram.GetValueAtPercentile(90)),
            Ms(_histogram.GetValueAtPercentile(99)),
            Ms(_histogram.GetMaxValue()));

    static double Ms(long micros) => Math.Round(micros / 1000.0, 3);
}

/// <summary>Percentiles in milliseconds; null when nothing was recorded.</summary>
public sealed record LatencySummary(long Count, double? P50, double? P90, double? P99, double? Max);
