namespace Capture.Recorder.Tls;

/// <summary>
/// Which processes get per-process TLS probes: those --pid and --comm select, never the recorder itself.
/// Without a filter, probes go on files and cover every process that maps them (PerProcess is false).
/// </summary>
internal sealed class ProcessSelection
{
    private readonly HashSet<int> _pids;
    private readonly HashSet<string> _comms;

    public ProcessSelection(RecorderOptions options)
    {
        _pids = [.. options.Pids];
        // The kernel keeps 15 bytes of a name, as the comm filter does.
        _comms = new HashSet<string>(options.ProcessNames.Select(n => n.Length > 15 ? n[..15] : n), StringComparer.Ordinal);
    }

    public bool PerProcess => _pids.Count > 0 || _comms.Count > 0;

    /// <summary>The processes now running that the user selected (all but the recorder without a filter).</summary>
    public IEnumerable<int> Running() => SslLibraryFinder.Processes().Where(pid => pid != Environment.ProcessId && (!PerProcess || Selected(pid)));

    private bool Selected(int pid) =>
        _pids.Contains(pid) || (_comms.Count > 0 && SslLibraryFinder.ProcessName(pid) is { } name && _comms.Contains(name));
}
