using System.Globalization;
using Capture.Format.Records;
using Capture.Recorder.Interop;

namespace Capture.Recorder.Tls.Go;

/// <summary>
/// Keeps the Go crypto/tls uprobes (bpf/go_tls.bpf.h) on every Go program running with crypto/tls linked in,
/// looked for again on each <see cref="Refresh"/> so that programs started while recording are covered. As for
/// OpenSSL, the probes go on the file (every process running it) without a process filter, and into the selected
/// processes only with --pid/--comm. Each file is examined once, by device and inode.
/// </summary>
internal sealed class GoTlsProbes
{
    private const int AllProcesses = -1;

    /// <summary>Entry program and return program of each probed function.</summary>
    private static readonly (Func<GoTlsTargets, GoFunctionProbes> Function, string Entry, string Return)[] Hooks =
    [
        (t => t.Read, "go_tls_read_enter", "go_tls_read_return"),
        (t => t.Write, "go_tls_write_enter", "go_tls_write_return"),
        (t => t.Handshake, "go_tls_handshake_enter", "go_tls_handshake_return"),
    ];

    private readonly KernelProgram _program;
    private readonly ProcessSelection _selection;
    private readonly TlsStackLog _log;
    /// <summary>What each executable is: probe targets, or why not and whether that is worth saying.</summary>
    private readonly Dictionary<(ulong Device, ulong Inode), (GoTlsTargets? Targets, string WhyNot, bool Refused)> _files = [];
    /// <summary>Each attachment tried (pid -1: every process), and why it failed (null: probed).</summary>
    private readonly Dictionary<(int Pid, ulong Device, ulong Inode), string?> _attached = [];
    private readonly SortedSet<string> _probed = new(StringComparer.Ordinal);

    public GoTlsProbes(KernelProgram program, ProcessSelection selection, TlsStackLog log)
    {
        _program = program;
        _selection = selection;
        _log = log;
    }

    /// <summary>Paths of the Go programs with probes attached.</summary>
    public IReadOnlyList<string> Programs => [.. _probed];

    public void Refresh()
    {
        foreach (int pid in _selection.Running())
        {
            if (Executable(pid) is not { } file)
                continue;
            var id = (file.Device, file.Inode);
            if (!_files.TryGetValue(id, out var found))
            {
                var targets = GoTlsFinder.Find(file.Path, out string whyNot, out bool refused);
                _files[id] = found = (targets, whyNot, refused);
            }
            if (found.Targets is not { } at)
            {
                if (found.Refused)
                    _log.Add(pid, TlsStack.Go, file.Path, "", found.WhyNot);
                continue;
            }
            int probePid = _selection.PerProcess ? pid : AllProcesses;
            var key = (probePid, file.Device, file.Inode);
            if (!_attached.TryGetValue(key, out string? why))
                _attached[key] = why = Attach(file.Path, at, probePid);
            _log.Add(pid, TlsStack.Go, file.Path, at.Version.Text, why);
        }
    }

    /// <summary>
    /// The program process <paramref name="pid"/> runs, by a path through /proc/PID/root that opens its own file
    /// (a process in a container sees another file system); null when it is gone, a kernel thread, or its file was replaced.
    /// </summary>
    private static SslLibrary? Executable(int pid)
    {
        string dir = "/proc/" + pid.ToString(CultureInfo.InvariantCulture);
        try
        {
            string? target = new FileInfo(dir + "/exe").LinkTarget;
            if (target is null || !target.StartsWith('/') || target.EndsWith(" (deleted)", StringComparison.Ordinal))
                return null;
            return SslLibraryFinder.Identify(dir + "/root" + target);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Attaches every probe; null on success, else why the program is not recorded.</summary>
    private string? Attach(string path, GoTlsTargets targets, int pid)
    {
        foreach (var hook in Hooks)
        {
            GoFunctionProbes function = hook.Function(targets);
            // The returns first: an entry seen without its return would leave the goroutine marked as inside a call.
            foreach (ulong ret in function.Returns)
                if (_program.AttachUprobe(hook.Return, path, null, returnProbe: false, pid, ret) is not 0 and var error)
                    return $"attaching a uprobe at offset 0x{ret:x} failed: {LibC.ErrorText(error)}";
            if (_program.AttachUprobe(hook.Entry, path, null, returnProbe: false, pid, function.Entry) is not 0 and var entryError)
                return $"attaching a uprobe at offset 0x{function.Entry:x} failed: {LibC.ErrorText(entryError)}";
        }
        _probed.Add(path);
        return null;
    }
}
