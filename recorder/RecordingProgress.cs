namespace Capture.Recorder;

/// <summary>A once-a-second snapshot for a live display.</summary>
public sealed record RecordingProgress(
    TimeSpan Elapsed,
    double EventsPerSecond,
    long FileBytes,
    long Connections,
    long Requests,
    ulong LostEvents);

/// <summary>Why a recording ended.</summary>
public enum StopReason
{
    Cancelled,
    Duration,
    MaxSize,
}

/// <summary>What a finished recording contains.</summary>
public sealed record RecordingSummary(
    string OutputPath,
    StopReason StopReason,
    TimeSpan Elapsed,
    long FileBytes,
    long Connections,
    long Requests,
    long DataRecords,
    long CapturedBytes,
    long CutBytes,
    long SendfileRecovered,
    long SendfileUnrecoverable,
    ulong LostEvents,
    ulong LostBytes,
    IReadOnlyList<string> TlsLibraries,
    /// <summary>SSL calls whose plaintext had no socket to go to (TLS over memory BIOs, e.g. .NET's SslStream or Node.js): not recorded.</summary>
    ulong TlsCallsWithoutSocket,
    /// <summary>"socket" or "syscall": which kernel hooks recorded the file.</summary>
    string DataPath,
    /// <summary>Socket calls whose bytes had no user buffer to read (io_uring, splice, kernel senders): recorded as exact gaps.</summary>
    long NoBufferGaps,
    long NoBufferBytes,
    /// <summary>The TLS stacks found in processes (shared or static OpenSSL, Go), probed or not and why.</summary>
    IReadOnlyList<Capture.Format.Inspection.TlsStackSummary> TlsStacks,
    /// <summary>The files the recording wrote and kept, oldest first: OutputPath alone, or the rotated windows (OutputPath is the last).</summary>
    IReadOnlyList<string> Files);

/// <summary>Hooks for a caller that shows what is happening.</summary>
public interface IRecordingObserver
{
    /// <summary>The programs are attached: traffic from now on is recorded.</summary>
    void Attached(string outputPath) { }

    void Progress(RecordingProgress progress) { }
}
