using Capture.Recorder.Interop;

namespace Capture.Recorder;

/// <summary>The offset from the kernel's CLOCK_MONOTONIC (bpf_ktime_get_ns) to Unix-epoch time.</summary>
internal static class WallClock
{
    /// <summary>Reads REALTIME around MONOTONIC and keeps the tightest of a few samples.</summary>
    public static long MonotonicToWallOffsetNs()
    {
        long best = 0;
        long bestSpread = long.MaxValue;
        for (int i = 0; i < 5; i++)
        {
            LibC.ClockGetTime(LibC.ClockRealtime, out var before);
            LibC.ClockGetTime(LibC.ClockMonotonic, out var mono);
            LibC.ClockGetTime(LibC.ClockRealtime, out var after);
            long spread = after.TotalNanoseconds - before.TotalNanoseconds;
            if (spread < bestSpread)
            {
                bestSpread = spread;
                best = before.TotalNanoseconds + spread / 2 - mono.TotalNanoseconds;
            }
        }
        return best;
    }

    public static ulong MonotonicNowNs()
    {
        LibC.ClockGetTime(LibC.ClockMonotonic, out var now);
        return (ulong)now.TotalNanoseconds;
    }
}
