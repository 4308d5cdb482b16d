namespace Capture.Format;

/// <summary>
/// What a capture file says about itself, written once at its start.
/// Wall-clock time of a record = its monotonic timestamp + <see cref="MonotonicToWallOffsetNs"/>.
/// </summary>
public sealed record CaptureHeader(
    string HostName,
    string KernelRelease,
    string RecorderVersion,
    long MonotonicToWallOffsetNs,
    IReadOnlyDictionary<string, string> Options)
{
    /// <summary>The <see cref="Options"/> key that says which kernel hooks recorded the file: "socket" or "syscall" (absent before it existed: syscall).</summary>
    public const string DataPathOption = "data-path";

    /// <summary>Option key: the recording machine's /proc/sys/kernel/random/boot_id (since 1.2), which tells hosts and reboots apart in capture merge.</summary>
    public const string BootIdOption = "boot-id";

    /// <summary>Option key (since 1.3): one id for all the files of one recording (rotated windows), so that capture merge joins their connections again.</summary>
    public const string RecordingIdOption = "recording-id";

    /// <summary>The format version this header was read from (set by the reader).</summary>
    public FormatVersion Version { get; init; } = FormatVersion.Current;

    public DateTimeOffset ToWallClock(ulong monotonicNs)
    {
        long unixNs = (long)monotonicNs + MonotonicToWallOffsetNs;
        return DateTimeOffset.UnixEpoch.AddTicks(unixNs / 100);
    }

    /// <summary>The capture clock's reading at wall-clock <paramref name="wall"/> (the inverse of <see cref="ToWallClock"/>).</summary>
    public ulong ToCaptureClock(DateTimeOffset wall)
    {
        long unixNs = (wall - DateTimeOffset.UnixEpoch).Ticks * 100;
        long ns = unixNs - MonotonicToWallOffsetNs;
        return ns > 0 ? (ulong)ns : 0;
    }
}
