using System.Threading.Channels;
using Capture.Format;
using Capture.Format.Records;
using Capture.Recorder.Containers;
using Capture.Recorder.Rotation;

namespace Capture.Recorder.Pipeline;

/// <summary>
/// The recorder's stages after the ring buffer: the polling thread only copies each kernel event into an
/// <see cref="OwnedEvent"/> and posts it; one consumer thread decodes it, enriches it (process names from
/// /proc, sendfile bytes read back from the file) and writes it. The channel is bounded: when the file
/// cannot keep up, the polling thread waits, the kernel's ring fills and the kernel counts what it drops,
/// so every loss stays counted. Only the consumer touches the writer until <see cref="Complete"/> returns.
/// </summary>
internal sealed class RecordingPipeline
{
    private const int Capacity = 4096;

    private readonly Channel<PipelineItem> _channel = Channel.CreateBounded<PipelineItem>(
        new BoundedChannelOptions(Capacity) { SingleReader = true, SingleWriter = true, FullMode = BoundedChannelFullMode.Wait });
    private readonly CaptureOutput _writer;
    private readonly RecordingStats _stats;
    private readonly long? _maxFileBytes;
    private readonly EventDecoder _decoder;
    private readonly Thread _consumer;
    private volatile bool _sizeLimitReached;
    private volatile Exception? _failure;

    public RecordingPipeline(CaptureOutput writer, RecordingStats stats, uint maxBytesPerCall, long? maxFileBytes, CgroupCatalog? cgroups = null)
    {
        _writer = writer;
        _stats = stats;
        _maxFileBytes = maxFileBytes;
        _decoder = new EventDecoder(Write, maxBytesPerCall, stats, cgroups: cgroups);
        _consumer = new Thread(Consume) { IsBackground = true, Name = "capture-pipeline" };
        _consumer.Start();
    }

    /// <summary>The file reached --max-size: kernel events from now on are counted as discarded, not written.</summary>
    public bool SizeLimitReached => _sizeLimitReached;

    /// <summary>Why the consumer stopped early (for example the disk is full); null while it runs.</summary>
    public Exception? Failure => _failure;

    /// <summary>Kernel events that arrived after the size limit and were not written.</summary>
    public ulong DiscardedEvents { get; private set; }
    public ulong DiscardedBytes { get; private set; }

    /// <summary>Bytes in the file plus what waits in the writer's current block.</summary>
    public long FileBytes => _writer.BytesWritten + _writer.PendingBytes;

    /// <summary>Hands <paramref name="item"/> to the consumer, waiting while the channel is full; false once the consumer has failed.</summary>
    public bool Post(PipelineItem item)
    {
        while (!_channel.Writer.TryWrite(item))
        {
            if (!_channel.Writer.WaitToWriteAsync().AsTask().GetAwaiter().GetResult())
            {
                if (item.Kind == PipelineItemKind.KernelEvent)
                    item.Event.Release();
                return false;
            }
        }
        return true;
    }

    /// <summary>No more items: returns when everything posted has been written (or the consumer failed). Idempotent.</summary>
    public void Complete()
    {
        _channel.Writer.TryComplete();
        _consumer.Join();
    }

    /// <summary>Writes one last record once <see cref="Complete"/> has returned and the consumer no longer runs.</summary>
    public void WriteAfterCompletion(CaptureRecord record)
    {
        if (_consumer.IsAlive)
            throw new InvalidOperationException("The pipeline's consumer still runs.");
        Write(record);
    }

    private void Consume()
    {
        ChannelReader<PipelineItem> reader = _channel.Reader;
        try
        {
            while (reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
                while (reader.TryRead(out PipelineItem item))
                    Handle(item);
        }
        catch (Exception e)
        {
            _failure = e;
            _channel.Writer.TryComplete();
            while (reader.TryRead(out PipelineItem left))
                if (left.Kind == PipelineItemKind.KernelEvent)
                    left.Event.Release();
        }
    }

    private void Handle(in PipelineItem item)
    {
        switch (item.Kind)
        {
            case PipelineItemKind.KernelEvent:
                try
                {
                    if (_sizeLimitReached)
                    {
                        DiscardedEvents++;
                        DiscardedBytes += (ulong)item.Event.Length;
                    }
                    else
                        _decoder.Decode(item.Event.Bytes);
                }
                finally
                {
                    item.Event.Release();
                }
                break;
            case PipelineItemKind.Record:
                Write(item.Record!);
                break;
            case PipelineItemKind.Flush:
                _writer.Flush(WallClock.MonotonicNowNs());
                break;
            case PipelineItemKind.CloseExited:
                _decoder.CloseConnectionsOfExitedProcesses(item.TimestampNs, ProcessAlive);
                break;
        }
    }

    private void Write(CaptureRecord record)
    {
        if (record is LossRecord loss && loss.Reason != LossReason.PayloadCap)
        {
            // Cut bytes are already visible in the data records; these are events that never arrived.
            _stats.LostEvents += loss.LostEvents;
            _stats.LostBytes += loss.LostBytes;
        }
        _writer.Write(record);
        if (_maxFileBytes is { } max && FileBytes >= max)
            _sizeLimitReached = true;
    }

    private static bool ProcessAlive(int pid) => Directory.Exists($"/proc/{pid}");
}
