using HdrHistogram;
using HdrHistogram.Utilities;

namespace Capture.Replay.Latency;

/// <summary>
/// A latency distribution in microseconds (HdrHistogram, 3 significant digits). Not thread-safe.
/// Its exact form travels in reports (<see cref="Encode"/>), so the distributions of several runs
/// (replay shards) add up to the one a single run would have recorded.
/// </summary>
internal sealed class LatencyRecorder
{
    // One hour in microseconds: anything slower is clamped rather than dropped.
    const long Highest = 3_600_000_000L;
    const int Digits = 3;
    readonly HistogramBase _histogram;

    public LatencyRecorder() => _histogram = new LongHistogram(Highest, Digits);

    LatencyRecorder(HistogramBase histogram) => _histogram = histogram;

    public long Count => _histogram.TotalCount;

    public void Record(TimeSpan value) => RecordMicroseconds((long)Math.Round(value.TotalMicroseconds));

    /// <summary>A time read from a file: any double (1e16, NaN) is clamped into the histogram's range, never an overflow.</summary>
    public void RecordMilliseconds(double milliseconds) =>
        RecordMicroseconds(double.IsNaN(milliseconds) ? 0 : (long)Math.Clamp(milliseconds * 1000, 0, Highest));

    public void RecordMicroseconds(long micros) => _histogram.RecordValue(Math.Clamp(micros, 0, Highest));

    /// <summary>Adds every value another recorder holds (same range and precision, as every recorder has).</summary>
    public void Add(LatencyRecorder other) => _histogram.Add(other._histogram);

    public LatencySummary Summarize() => Count == 0
        ? new LatencySummary(0, null, null, null, null, Encode())
        : new LatencySummary(
            Count,
            Ms(_histogram.GetValueAtPercentile(50)),
            Ms(_histogram.GetValueAtPercentile(90)),
            Ms(_histogram.GetValueAtPercentile(99)),
            Ms(_histogram.GetMaxValue()),
            Encode());

    /// <summary>HdrHistogram's standard compressed encoding (V2), base64: "HISTF..." as other HdrHistogram libraries read it.</summary>
    public string Encode()
    {
        var buffer = ByteBuffer.Allocate(_histogram.GetNeededByteBufferCapacity());
        int length = HistogramEncoding.EncodeIntoCompressedByteBuffer(_histogram, buffer);
        // The buffer does not expose its array: read the encoded bytes back one by one.
        buffer.Position = 0;
        var bytes = new byte[length];
        for (int i = 0; i < length; i++)
            bytes[i] = buffer.Get();
        return Convert.ToBase64String(bytes);
    }

    /// <summary>
    /// Reads what <see cref="Encode"/> wrote. The text comes from a file: anything that is not a histogram
    /// of this range and precision is a <see cref="FormatException"/>, never another exception.
    /// </summary>
    public static LatencyRecorder Decode(string base64)
    {
        HistogramBase histogram;
        try
        {
            histogram = HistogramEncoding.DecodeFromCompressedByteBuffer(ByteBuffer.Allocate(Convert.FromBase64String(base64)), 0);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The decoder throws whatever a malformed buffer leads it to (index, overflow, invalid data...).
            throw new FormatException("not an HdrHistogram in base64", e);
        }
        if (histogram.NumberOfSignificantValueDigits != Digits || histogram.LowestTrackableValue != 1 || histogram.HighestTrackableValue != Highest)
            throw new FormatException($"a histogram of another range or precision ({histogram.LowestTrackableValue}..{histogram.HighestTrackableValue} us, {histogram.NumberOfSignificantValueDigits} digits)");
        if (histogram.TotalCount < 0)
            throw new FormatException("a histogram with a negative count");
        var recorder = new LatencyRecorder();
        recorder._histogram.Add(histogram);
        return recorder;
    }

    static double Ms(long micros) => Math.Round(micros / 1000.0, 3);
}

/// <summary>
/// Percentiles in milliseconds (null when nothing was recorded), and the whole distribution as
/// <see cref="LatencyRecorder.Encode"/> wrote it, so percentiles can be recomputed after merging reports.
/// </summary>
public sealed record LatencySummary(long Count, double? P50, double? P90, double? P99, double? Max, string? Histogram = null);
