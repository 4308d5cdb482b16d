using System.Diagnostics;

namespace Capture.Format;

/// <summary>The clock that record timestamps use (CLOCK_MONOTONIC, in ns); on Linux the Stopwatch reads it.</summary>
public static class MonotonicClock
{
    public static ulong NowNs => (ulong)(Stopwatch.GetTimestamp() * (1_000_000_000.0 / Stopwatch.Frequency));

    /// <summary>Offset that turns a monotonic timestamp into Unix-epoch nanoseconds, measured now.</summary>
    public static long WallOffsetNs()
    {
        long wall = (DateTime.UtcNow - DateTime.UnixEpoch).Ticks * 100;
        return wall - (long)NowNs;
    }
}
