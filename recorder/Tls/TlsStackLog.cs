using Capture.Format.Records;

namespace Capture.Recorder.Tls;

/// <summary>
/// The TLS stacks found in processes, each (process, stack, file) once, probed or not and why: written to the
/// capture file as TLS-stack records and listed in the recording's summary.
/// </summary>
internal sealed class TlsStackLog
{
    /// <summary>Enough for every process of a busy host; a host that starts short-lived TLS processes forever stops being logged here.</summary>
    private const int MaxEntries = 4096;

    private readonly HashSet<(int Pid, TlsStack Stack, string Path)> _seen = [];
    private readonly List<TlsStackRecord> _entries = [];
    private int _taken;

    public IReadOnlyList<TlsStackRecord> Entries => _entries;

    /// <param name="pid">The process the stack was found in; 0 for every process.</param>
    public void Add(int pid, TlsStack stack, string path, string version, string? whyNot)
    {
        if (_entries.Count >= MaxEntries || !_seen.Add((pid, stack, path)))
            return;
        _entries.Add(new TlsStackRecord(WallClock.MonotonicNowNs(), pid, stack, path, version, whyNot is null, whyNot ?? ""));
    }

    /// <summary>The entries added since the last call, to be written to the capture file.</summary>
    public IReadOnlyList<TlsStackRecord> TakeNew()
    {
        var added = _entries.GetRange(_taken, _entries.Count - _taken);
        _taken = _entries.Count;
        return added;
    }
}
