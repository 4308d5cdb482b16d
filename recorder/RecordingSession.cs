using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Capture.Format;
using Capture.Format.Records;
using Capture.Recorder.Containers;
using Capture.Recorder.Interop;
using Capture.Recorder.Rotation;
using Capture.Recorder.Tls;

namespace Capture.Recorder;

/// <summary>
/// Consumes the ring buffer of an attached program into a capture file until the duration,
/// the size limit or cancellation; one thread polls, decodes and writes (CaptureWriter is not thread-safe).
/// </summary>
internal sealed unsafe class RecordingSession : IDisposable
{
    private const int PollTimeoutMs = 100;
    /// <summary>How often processes are searched for a libssl not probed yet.</summary>
    private static readonly TimeSpan SslRescanInterval = TimeSpan.FromSeconds(2);
    private const int EINTR = 4;

    private readonly KernelProgram _program;
    private readonly CaptureOutput _writer;
    private readonly RecorderOptions _options;
    private readonly IRecordingObserver? _observer;
    private readonly SslProbes? _ssl;
    private readonly EventDecoder _decoder;
    private readonly LossTracker _losses = new();
    private readonly RecordingStats _stats = new();
    private readonly RingBufferHandle _ring;
    private GCHandle _self;
    private Exception? _callbackError;
    private bool _sizeLimitReached;
    private ulong _tlsUnattributedCalls;
    private bool _discarding;
    private ulong _discardedEvents;
    private ulong _discardedBytes;

    public RecordingSession(KernelProgram program, CaptureOutput writer, RecorderOptions options, IRecordingObserver? observer,
        SslProbes? ssl = null, CgroupCatalog? cgroups = null)
    {
        _program = program;
        _ssl = ssl;
        _writer = writer;
        _options = options;
        _observer = observer;
        _decoder = new EventDecoder(WriteRecord, options.MaxBytesPerCall, _stats, cgroups: cgroups);
        _self = GCHandle.Alloc(this);
        nint ring = LibBpf.RingBufferNew(program.EventsMapFd, &OnSample, GCHandle.ToIntPtr(_self), 0);
        if (ring == 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            _self.Free();
            throw new RecorderException($"Opening the kernel ring buffer failed: {LibC.ErrorText(errno)}.", RecorderFailure.Environment);
        }
        _ring = new RingBufferHandle(ring);
    }

    public RecordingSummary Run(CancellationToken cancellation)
    {
        var clock = Stopwatch.StartNew();
        _observer?.Attached(_options.Rotation is null ? _options.OutputPath : RotationPolicy.Pattern(_options.OutputPath));
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
            if (_sizeLimitReached)
            {
                reason = StopReason.MaxSize;
                break;
            }
            if (_ssl is not null && clock.Elapsed >= nextSslRescan)
            {
                _ssl.Refresh();
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
                    _decoder.CloseConnectionsOfExitedProcesses(WallClock.MonotonicNowNs(), ProcessAlive);
                _writer.Flush(WallClock.MonotonicNowNs());
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
        if (_discardedEvents > 0)
            WriteRecord(new LossRecord(WallClock.MonotonicNowNs(), LossReason.UserSpace, _discardedEvents, _discardedBytes));
        _writer.Complete(WallClock.MonotonicNowNs());

        return new RecordingSummary(_writer.CurrentPath, reason, elapsed, FileBytes, _stats.Connections,
            _stats.Requests, _stats.DataRecords, _stats.CapturedBytes, _stats.CutBytes, _stats.SendfileRecovered,
            _stats.SendfileUnrecoverable, _stats.LostEvents, _stats.LostBytes, _ssl?.Libraries.ToList() ?? [],
            _tlsUnattributedCalls, DataPathSelection.Name(_program.DataPath), _stats.NoBufferGaps, _stats.NoBufferBytes, _writer.Files.ToList());
    }

    public void Dispose()
    {
        _ring.Dispose();
        if (_self.IsAllocated)
            _self.Free();
    }

    private long FileBytes => _writer.BytesWritten + _writer.PendingBytes;

    private static bool ProcessAlive(int pid) => Directory.Exists($"/proc/{pid}");

    private void Poll()
    {
        int result = LibBpf.RingBufferPoll(_ring.DangerousGetHandle(), PollTimeoutMs);
        ThrowIfCallbackFailed();
        if (result < 0 && result != -EINTR && !_sizeLimitReached)
            throw new RecorderException($"Reading the kernel ring buffer failed: {LibC.ErrorText(result)}.", RecorderFailure.Environment);
        // The kernel program wakes us only when a lot is waiting (see wakeup_flag in capture.bpf.c):
        // after a quiet timeout, take what arrived without a wakeup.
        if (result == 0 && !_sizeLimitReached)
        {
            LibBpf.RingBufferConsume(_ring.DangerousGetHandle());
            ThrowIfCallbackFailed();
        }
    }

    private void ThrowIfCallbackFailed()
    {
        if (_callbackError is { } error)
        {
            _callbackError = null;
            if (error is IOException io)
                throw new RecorderException($"Writing {_writer.CurrentPath} failed: {io.Message.TrimEnd('.')}.", RecorderFailure.Output, io);
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(error); // keep the original stack
        }
    }

    private void WriteLosses()
    {
        KernelCounters counters = _program.ReadCounters();
        _tlsUnattributedCalls = counters.TlsUnattributedEvents;
        foreach (LossRecord loss in _losses.NewLosses(counters, WallClock.MonotonicNowNs()))
            WriteRecord(loss);
    }

    private void WriteRecord(CaptureRecord record)
    {
        if (record is LossRecord loss && loss.Reason != LossReason.PayloadCap)
        {
            // Cut bytes are already visible in the data records; these are events that never arrived.
            _stats.LostEvents += loss.LostEvents;
            _stats.LostBytes += loss.LostBytes;
        }
        _writer.Write(record);
        if (_options.MaxFileBytes is { } max && FileBytes >= max)
            _sizeLimitReached = true;
    }

    private int OnEvent(ReadOnlySpan<byte> raw)
    {
        if (_discarding || _sizeLimitReached)
        {
            _discarding = true;
            _discardedEvents++;
            _discardedBytes += (ulong)raw.Length;
            return 0;
        }
        _decoder.Decode(raw);
        return _sizeLimitReached ? -1 : 0; // a negative value stops this poll
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
