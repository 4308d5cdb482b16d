using Capture.Format.Records;
using Capture.Recorder.Interop;

namespace Capture.Recorder.Tls;

/// <summary>
/// Keeps the OpenSSL uprobes (bpf/capture.bpf.c) on every libssl in use: the files the user named,
/// the system's libssl, and any other libssl a process maps, looked for again on each <see cref="Refresh"/>.
/// Without a process filter a probe covers a file in every process, including processes started later.
/// With --pid/--comm the probes go into the selected processes only: a uprobe hit costs the process a
/// trap (much more under a hypervisor), which processes that are not recorded should not pay.
/// </summary>
internal sealed class SslProbes
{
    private const int AllProcesses = -1;
    /// <summary>Set to "exported" to probe SSL_read/SSL_write(_ex) themselves, should the internal functions found be wrong for some build.</summary>
    public const string PlacementVariable = "CAPTURE_SSL_PROBES";
    private const int ENOENT = 2;

    /// <summary>Function, entry program, return program. SSL_read/SSL_write are required; the _ex pair exists from OpenSSL 1.1.1.</summary>
    private static readonly (string Function, string Entry, string Return, bool Required)[] Hooks =
    [
        ("SSL_read", "ssl_read_enter", "ssl_return_count", true),
        ("SSL_write", "ssl_write_enter", "ssl_return_count", true),
        ("SSL_read_ex", "ssl_read_ex_enter", "ssl_return_ex", false),
        ("SSL_write_ex", "ssl_write_ex_enter", "ssl_return_ex", false),
    ];

    private readonly KernelProgram _program;
    private readonly ProcessSelection _selection;
    private readonly TlsStackLog _log;
    private readonly List<SslLibrary> _named = [];
    /// <summary>Each attachment tried (pid -1: every process), and why it failed (null: probed).</summary>
    private readonly Dictionary<(int Pid, ulong Device, ulong Inode), string?> _known = [];
    private readonly HashSet<string> _probed = new(StringComparer.Ordinal);
    private readonly List<string> _skipped = [];
    private readonly Dictionary<(ulong Device, ulong Inode), OpenSslInternals?> _internals = [];

    public SslProbes(KernelProgram program, ProcessSelection selection, TlsStackLog log)
    {
        _program = program;
        _selection = selection;
        _log = log;
    }

    private bool PerProcess => _selection.PerProcess;

    /// <summary>Paths of the files with probes attached.</summary>
    public IReadOnlyList<string> Libraries => _probed.Order(StringComparer.Ordinal).ToList();

    /// <summary>Files that looked like libssl but could not be probed, with why.</summary>
    public IReadOnlyList<string> Skipped => _skipped;

    /// <summary>
    /// Checks and keeps files the user named; each must exist and export SSL_read and SSL_write.
    /// In per-process mode the check attaches to the recorder itself, which never maps them and is never traced.
    /// </summary>
    public void AttachNamed(IEnumerable<string> paths)
    {
        foreach (string path in paths)
        {
            SslLibrary library = SslLibraryFinder.Identify(path)
                ?? throw new RecorderException($"--ssl-lib {path} cannot be opened.", RecorderFailure.BadInput);
            int pid = PerProcess ? Environment.ProcessId : AllProcesses;
            if (!_known.TryAdd((pid, library.Device, library.Inode), null))
                continue;
            if (Attach(library, pid) is { } why)
                throw new RecorderException($"--ssl-lib {path}: {why}.", RecorderFailure.BadInput);
            if (!PerProcess)
                _log.Add(0, Stack(library), library.Path, "", null);
            _named.Add(library);
            if (PerProcess)
                _probed.Remove(library.Path); // only a check so far
        }
    }

    /// <summary>Probes what is new: libssl files (and, with a process filter, selected processes) not seen before.</summary>
    public void Refresh()
    {
        if (!PerProcess)
        {
            foreach (SslLibrary library in SslLibraryFinder.SystemLibraries())
                TryAttach(library, AllProcesses, 0);
            foreach (int pid in _selection.Running())
                foreach (SslLibrary library in SslLibraryFinder.MappedBy(pid))
                    TryAttach(library, AllProcesses, pid);
            return;
        }
        foreach (int pid in _selection.Running())
        {
            // A uprobe on a file the process has not mapped yet takes effect when it does (Python imports ssl on demand);
            // the log names only what the process maps.
            foreach (SslLibrary library in _named.Concat(SslLibraryFinder.SystemLibraries()))
                TryAttach(library, pid, null);
            foreach (SslLibrary library in SslLibraryFinder.MappedBy(pid))
                TryAttach(library, pid, pid);
        }
    }

    /// <param name="seenIn">The process that maps the library (0: none yet; null: not to be logged), for the log of TLS stacks.</param>
    private void TryAttach(SslLibrary library, int pid, int? seenIn)
    {
        var key = (pid, library.Device, library.Inode);
        if (!_known.TryGetValue(key, out string? why))
        {
            _known[key] = why = Attach(library, pid);
            if (why is not null && pid == AllProcesses)
                _skipped.Add($"{library.Path}: {why}");
        }
        if (seenIn is { } process)
            _log.Add(process, Stack(library), library.Path, "", why);
    }

    private static TlsStack Stack(SslLibrary library) =>
        SslLibraryFinder.IsLibSsl(Path.GetFileName(library.Path)) ? TlsStack.OpenSslShared : TlsStack.OpenSslStatic;

    /// <summary>Attaches every hook the file has; null on success, else why the file is not usable.</summary>
    private string? Attach(SslLibrary library, int pid)
    {
        if (!_internals.TryGetValue((library.Device, library.Inode), out OpenSslInternals? internals))
        {
            bool exportedOnly = Environment.GetEnvironmentVariable(PlacementVariable) == "exported";
            _internals[(library.Device, library.Inode)] = internals = exportedOnly ? null : OpenSslInternalsFinder.Find(library.Path);
        }
        if (internals is { } at)
            return AttachInternals(library, pid, at);
        foreach (var hook in Hooks)
        {
            // The return probe first: an entry seen without its return would leave the thread marked as inside a call.
            int error = _program.AttachUprobe(hook.Return, library.Path, hook.Function, returnProbe: true, pid);
            if (error == 0)
                error = _program.AttachUprobe(hook.Entry, library.Path, hook.Function, returnProbe: false, pid);
            if (error == ENOENT && !hook.Required)
                continue;
            if (error == ENOENT)
                return $"it does not export {hook.Function} (not OpenSSL's libssl?)";
            if (error != 0)
                return $"attaching a uprobe to {hook.Function} failed: {LibC.ErrorText(error)}";
        }
        _probed.Add(library.Path);
        return null;
    }

    /// <summary>
    /// Probes ssl_read_internal/ssl_write_internal, which all four exported functions go through, with the
    /// _ex programs (same arguments and return convention). See <see cref="OpenSslInternalsFinder"/> for why.
    /// </summary>
    private string? AttachInternals(SslLibrary library, int pid, OpenSslInternals at)
    {
        foreach (var (offset, entry) in new[] { (at.ReadInternal, "ssl_read_ex_enter"), (at.WriteInternal, "ssl_write_ex_enter") })
        {
            int error = _program.AttachUprobe("ssl_return_ex", library.Path, null, returnProbe: true, pid, offset);
            if (error == 0)
                error = _program.AttachUprobe(entry, library.Path, null, returnProbe: false, pid, offset);
            if (error != 0)
                return $"attaching a uprobe at offset 0x{offset:x} failed: {LibC.ErrorText(error)}";
        }
        _probed.Add(library.Path);
        return null;
    }
}
