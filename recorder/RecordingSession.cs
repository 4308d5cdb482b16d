using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Capture.Format;
using Capture.Format.Inspection;
using Capture.Format.Records;
using Capture.Recorder.Containers;
using Capture.Recorder.Interop;
using Capture.Recorder.Pipeline;
using Capture.Recorder.Rotation;
using Capture.Recorder.Tls;

namespace Capture.Recorder;

/// <summary>
/// Consumes the ring buffer of an attached program into a capture file until the duration,
/// the size limit or cancellation. This thread polls the ring and copies each event out; the
/// <see cref="RecordingPipeline"/>'s thread decodes, enriches and writes (CaptureWriter is not thread-safe).
/// </summary>
internal sealed unsafe class RecordingSession : IDisposable
{
    private const int PollTimeoutMs = 100;
    /// <summary>How often processes are searched for a libssl or Go program not probed yet.</summary>
    private static readonly TimeSpan SslRescanInterval = TimeSpan.FromSeconds(2);
    private const int EINTR = 4;

    private readonly KernelProgram _program;
    private readonly CaptureOutput _writer;
    private readonly RecorderOptions _options;
    private readonly IRecordingObserver? _observer;
    private readonly TlsProbes? _tls;
    private readonly RecordingPipeline _pipeline;
    private readonly LossTracker _losses = new();
    private readonly RecordingStats _stats = new();
    private readonly RingBufferHandle _ring;
    private GCHandle _self;
    private Exception? _callbackError;
    private ulong _tlsUnattributedCalls;
    private bool _discarding;
    private ulong _discardedEvents;
    private ulong _discardedBytes;

    public RecordingSession(KernelProgram program, CaptureOutput writer, RecorderOptions options, IRecordingObserver? observer,
        TlsProbes? tls = null, CgroupCatalog? cgroups = null)
    {
        _program = program;
        _tls = tls;
        _writer = writer;
        _options = options;
        _observer = observer;
        _pipeline = new RecordingPipeline(writer, _stats, options.MaxBytesPerCall, options.MaxFileBytes, cgroups);
        _self = GCHandle.Alloc(this);
        nint ring = LibBpf.RingBufferNew(program.EventsMapFd, &OnSample, GCHandle.ToIntPtr(_self), 0);
        if (ring == 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            _self.Free();
            _pipeline.Complete();
            throw new RecorderException($"Opening the kernel ring buffer failed: {LibC.ErrorText(errno)}.", RecorderFailure.Environment);
        }
        _ring = new RingBufferHandle(ring);
    }

    public RecordingSummary Run(CancellationToken cancellation)
    {
        var clock = Stopwatch.StartNew();
        _observer?.Attached(_options.Rotation is null ? _options.OutputPath : RotationPolicy.Pattern(_options.OutputPath));
        WriteTlsStacks();
        TimeSpan nextFlush = _options.FlushInterval;
        TimeSpan nextSslRescan = SslRescanInterval;
        long eventsAtLastProgress = 0;
        TimeSpan lastProgress = TimeSpan.Zero;
        StopReason reason;
        while (true)
        {
            if (cancellation.IsCancellationRequested)
            {
                reason = StopReason.Cancelled;
                break;
            }
            if (_options.Duration is { } duration && clock.Elapsed >= duration)
            {
                reason = StopReason.Duration;
                break;
            }
            Poll();
            if (_pipeline.SizeLimitReached)
            {
                reason = StopReason.MaxSize;
                break;
            }
            if (_tls is not null && clock.Elapsed >= nextSslRescan)
            {
                _tls.Refresh();
                WriteTlsStacks();
                nextSslRescan = clock.Elapsed + SslRescanInterval;
            }
            if (clock.Elapsed >= nextFlush)
            {
                WriteLosses();
                // Drain first: what an exited process sent before exiting belongs before its close.
                LibBpf.RingBufferConsume(_ring.DangerousGetHandle());
                ThrowIfCallbackFailed();
                // On the socket path a connection ends with its socket, which the kernel program sees.
                if (_program.DataPath == DataPath.Syscall)
                    Post(new PipelineItem(PipelineItemKind.CloseExited, TimestampNs: WallClock.MonotonicNowNs()));
                Post(new PipelineItem(PipelineItemKind.Flush));
                nextFlush = clock.Elapsed + _options.FlushInterval;
                TimeSpan now = clock.Elapsed;
                double rate = (_stats.KernelEvents - eventsAtLastProgress) / Math.Max(1e-3, (now - lastProgress).TotalSeconds);
                eventsAtLastProgress = _stats.KernelEvents;
                lastProgress = now;
                _observer?.Progress(new RecordingProgress(now, rate, FileBytes, _stats.Connections, _stats.Requests, _stats.LostEvents));
            }
        }

        TimeSpan elapsed = clock.Elapsed;
        // No new events after detaching; what is already in the ring still belongs to the recording,
        // unless the size limit ended it: then it is counted as dropped, not written.
        _program.Detach();
        _discarding = reason == StopReason.MaxSize;
        LibBpf.RingBufferConsume(_ring.DangerousGetHandle());
        ThrowIfCallbackFailed();
        WriteLosses();
        _pipeline.Complete();
        ThrowIfCallbackFailed();
        ulong discardedEvents = _discardedEvents + _pipeline.DiscardedEvents;
        if (discardedEvents > 0)
            _pipeline.WriteAfterCompletion(new LossRecord(WallClock.MonotonicNowNs(), LossReason.UserSpace, discardedEvents,
                _discardedBytes + _pipeline.DiscardedBytes));
        _writer.Complete(WallClock.MonotonicNowNs());

        return new RecordingSummary(_writer.CurrentPath, reason, elapsed, FileBytes, _stats.Connections,
            _stats.Requests, _stats.DataRecords, _stats.CapturedBytes, _stats.CutBytes, _stats.SendfileRecovered,
            _stats.SendfileUnrecoverable, _stats.LostEvents, _stats.LostBytes, _tls?.Probed ?? [],
            _tlsUnattributedCalls, DataPathSelection.Name(_program.DataPath), _stats.NoBufferGaps, _stats.NoBufferBytes,
            _tls?.Log.Entries.Select(TlsStackSummary.Of).ToList() ?? [], _writer.Files.ToList());
    }

    public void Dispose()
    {
        _pipeline.Complete(); // the consumer stops touching the writer before the caller disposes it
        _ring.Dispose();
        if (_self.IsAllocated)
            _self.Free();
    }

    private long FileBytes => _pipeline.FileBytes;

    private void Poll()
    {
        int result = LibBpf.RingBufferPoll(_ring.DangerousGetHandle(), PollTimeoutMs);
        ThrowIfCallbackFailed();
        if (result < 0 && result != -EINTR && !_pipeline.SizeLimitReached)
            throw new RecorderException($"Reading the kernel ring buffer failed: {LibC.ErrorText(result)}.", RecorderFailure.Environment);
        // The kernel program wakes us only when a lot is waiting (see wakeup_flag in capture.bpf.c):
        // after a quiet timeout, take what arrived without a wakeup.
        if (result == 0 && !_pipeline.SizeLimitReached)
        {
            LibBpf.RingBufferConsume(_ring.DangerousGetHandle());
            ThrowIfCallbackFailed();
        }
    }

    private void ThrowIfCallbackFailed()
    {
        if ((_callbackError ?? _pipeline.Failure) is { } error)
        {
            _callbackError = null;
            if (error is IOException io)
                throw new RecorderException($"Writing {_writer.CurrentPath} failed: {io.Message.TrimEnd('.')}.", RecorderFailure.Output, io);
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(error); // keep the original stack
        }
    }

    /// <summary>The TLS stacks found since the last call, as records of the capture file.</summary>
    private void WriteTlsStacks()
    {
        if (_tls is null)
            return;
        foreach (var stack in _tls.Log.TakeNew())
            Post(PipelineItem.Of(stack));
    }

    private void WriteLosses()
    {
        KernelCounters counters = _program.ReadCounters();
        _tlsUnattributedCalls = counters.TlsUnattributedEvents;
        foreach (LossRecord loss in _losses.NewLosses(counters, WallClock.MonotonicNowNs()))
            Post(PipelineItem.Of(loss));
    }

    private void Post(PipelineItem item)
    {
        if (!_pipeline.Post(item))
            ThrowIfCallbackFailed();
    }

    private int OnEvent(ReadOnlySpan<byte> raw)
    {
        if (_discarding || _pipeline.SizeLimitReached)
        {
            _discarding = true;
            _discardedEvents++;
            _discardedBytes += (ulong)raw.Length;
            return 0;
        }
        if (!_pipeline.Post(PipelineItem.Of(OwnedEvent.CopyOf(raw))))
            return -1; // the consumer failed: stop this poll, the failure is thrown on this thread
        return _pipeline.SizeLimitReached ? -1 : 0; // a negative value stops this poll
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int OnSample(nint context, nint data, nuint size)
    {
        var session = (RecordingSession)GCHandle.FromIntPtr(context).Target!;
        try
        {
            return session.OnEvent(new ReadOnlySpan<byte>((void*)data, (int)size));
        }
        catch (Exception e)
        {
            // Exceptions must not cross into libbpf: keep it and stop this poll.
            session._callbackError = e;
            return -1;
        }
    }
}
