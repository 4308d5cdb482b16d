namespace Capture.Recorder;

/// <summary>
/// Running counts of a recording, for progress and the final summary. The recording pipeline's consumer
/// thread keeps them; the polling thread reads them for progress, where a value one event old is fine.
/// </summary>
internal sealed class RecordingStats
{
    public long KernelEvents { get; internal set; }
    public long Connections { get; internal set; }
    public long ConnectionsClosed { get; internal set; }
    /// <summary>Request lines seen at the start of a call (each traced end of a connection counts).</summary>
    public long Requests { get; internal set; }
    public long DataRecords { get; internal set; }
    public long CapturedBytes { get; internal set; }
    public long CutBytes { get; internal set; }
    public long SendfileRecovered { get; internal set; }
    public long SendfileUnrecoverable { get; internal set; }
    public long NoBufferGaps { get; internal set; }
    public long NoBufferBytes { get; internal set; }
    public ulong LostEvents { get; internal set; }
    public ulong LostBytes { get; internal set; }
}
