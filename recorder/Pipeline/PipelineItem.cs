using Capture.Format.Records;

namespace Capture.Recorder.Pipeline;

/// <summary>What travels through the recording pipeline's channel: a kernel event, a record made on the polling thread, or an instruction.</summary>
internal readonly record struct PipelineItem(PipelineItemKind Kind, OwnedEvent Event = default, CaptureRecord? Record = null, ulong TimestampNs = 0)
{
    public static PipelineItem Of(OwnedEvent e) => new(PipelineItemKind.KernelEvent, e);
    public static PipelineItem Of(CaptureRecord record) => new(PipelineItemKind.Record, Record: record);
}

internal enum PipelineItemKind
{
    /// <summary>Decode, enrich and write <see cref="PipelineItem.Event"/>.</summary>
    KernelEvent,
    /// <summary>Write <see cref="PipelineItem.Record"/> as it is (losses read from the kernel's counters).</summary>
    Record,
    /// <summary>Make what was written so far durable in the file.</summary>
    Flush,
    /// <summary>Close the connections of processes that exited (syscall path), at <see cref="PipelineItem.TimestampNs"/>.</summary>
    CloseExited,
}
