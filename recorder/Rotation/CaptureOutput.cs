using Capture.Format;
using Capture.Format.Records;

namespace Capture.Recorder.Rotation;

/// <summary>
/// Where a recording's records go: one capture file, or with a <see cref="RotationPolicy"/> a series of complete
/// ones. A rotation completes the current file (trailer, fsync), starts the next, and writes into it again the
/// open record (as already open) of every connection still open and the process records of their processes, so
/// that each file converts alone; every data record goes to exactly one file, so nothing is lost or repeated
/// across files. Beyond <see cref="RotationPolicy.Keep"/> files, the oldest this recording wrote is removed.
/// </summary>
internal sealed class CaptureOutput : IDisposable
{
    private readonly string _basePath;
    private readonly CaptureHeader _header;
    private readonly RotationPolicy? _policy;
    private readonly Func<DateTimeOffset> _utcNow;
    private readonly Dictionary<ulong, ConnectionOpenedRecord> _open = [];
    private readonly Dictionary<int, ProcessRecord> _processes = [];
    private readonly List<string> _files = [];
    private CaptureWriter _current;
    private DateTimeOffset _windowEnd;
    private long _completedBytes;
    private DateTimeOffset _lastStart = DateTimeOffset.MinValue;

    private CaptureOutput(string basePath, CaptureHeader header, RotationPolicy? policy, Func<DateTimeOffset> utcNow, CaptureWriter? first = null)
    {
        _basePath = basePath;
        _header = header;
        _policy = policy;
        _utcNow = utcNow;
        if (first is not null)
            _files.Add(basePath);
        _current = first ?? Open();
    }

    /// <summary>One file, over a writer the caller made (for example on a stream), never rotated.</summary>
    public static CaptureOutput Over(CaptureWriter writer, string name, CaptureHeader header) =>
        new(name, header, null, () => DateTimeOffset.UtcNow, writer);

    /// <summary>Creates the first file: <paramref name="path"/> itself without a policy, else the first window's name.</summary>
    public static CaptureOutput Create(string path, CaptureHeader header, RotationPolicy? policy, Func<DateTimeOffset>? utcNow = null) =>
        new(path, header, policy, utcNow ?? (() => DateTimeOffset.UtcNow));

    /// <summary>The files written, oldest first (without the removed ones); the last is being written.</summary>
    public IReadOnlyList<string> Files => _files;

    public string CurrentPath => _files[^1];

    /// <summary>Bytes in every file of the recording, the removed ones included.</summary>
    public long BytesWritten => _completedBytes + _current.BytesWritten;

    public int PendingBytes => _current.PendingBytes;

    public bool Faulted => _current.Faulted;

    /// <summary>Blocks of the current file.</summary>
    public ulong Blocks => _current.Totals.Blocks;

    public void Write(CaptureRecord record)
    {
        if (_policy?.MaxBytes is { } max && _current.BytesWritten + _current.PendingBytes >= max)
            Rotate(record.TimestampNs);
        _current.Write(record);
        switch (record)
        {
            case ConnectionOpenedRecord opened:
                _open[opened.ConnectionId] = opened;
                break;
            case ConnectionClosedRecord closed:
                _open.Remove(closed.ConnectionId);
                break;
            case ProcessRecord process:
                _processes[process.Pid] = process;
                break;
        }
    }

    /// <summary>Writes pending records as a block; starts the next file when the time window is over.</summary>
    public void Flush(ulong nowNs)
    {
        _current.Flush();
        if (_policy?.Every is not null && _utcNow() >= _windowEnd)
            Rotate(nowNs);
    }

    /// <summary>Ends the recording: the current file gets its trailer.</summary>
    public void Complete(ulong timestampNs) => _current.Complete(timestampNs);

    /// <summary>Removes the file being written if nothing was recorded (a recording that never started).</summary>
    public void Discard() => _current.Discard();

    public void Dispose() => _current.Dispose();

    private void Rotate(ulong timestampNs)
    {
        _current.Complete(timestampNs);
        _current.Dispose();
        _completedBytes += _current.BytesWritten;
        _current = Open();
        foreach (var process in _open.Values.Select(o => o.Pid).Distinct().Order())
            if (_processes.TryGetValue(process, out var record))
                _current.Write(record with { TimestampNs = timestampNs });
        foreach (var opened in _open.Values.OrderBy(o => o.ConnectionId))
            _current.Write(opened with { TimestampNs = timestampNs, Source = ConnectionSource.AlreadyOpen, ConnectStartNs = 0 });
        RemoveOldFiles();
    }

    private CaptureWriter Open()
    {
        DateTimeOffset now = _utcNow();
        if (_policy?.Every is { } every)
            _windowEnd = now + every;
        string path = _policy is null ? _basePath : UnusedName(now);
        try
        {
            var writer = CaptureWriter.Create(path, _header);
            _files.Add(path);
            return writer;
        }
        catch (Capture.Format.Output.OutputException e)
        {
            throw new RecorderException(e.Message, RecorderFailure.Output, e);
        }
    }

    /// <summary>
    /// The window's file name. Two windows that start within one millisecond (or a name already taken) move the later
    /// one's time on by a millisecond, so that names stay unique and keep sorting in time order.
    /// </summary>
    private string UnusedName(DateTimeOffset start)
    {
        if (start <= _lastStart)
            start = _lastStart.AddMilliseconds(1);
        while (File.Exists(RotationPolicy.FileName(_basePath, start)))
            start = start.AddMilliseconds(1);
        _lastStart = start;
        return RotationPolicy.FileName(_basePath, start);
    }

    private void RemoveOldFiles()
    {
        if (_policy?.Keep is not { } keep)
            return;
        while (_files.Count > keep)
        {
            File.Delete(_files[0]);
            _files.RemoveAt(0);
        }
    }
}
