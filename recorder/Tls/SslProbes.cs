namespace Capture.Recorder.Tls;

/// <summary>
/// Keeps the OpenSSL uprobes (bpf/capture.bpf.c) on every libssl in use: the files the user named,
/// the system's libssl, and any other libssl a process maps, looked for again on each <see cref="Refresh"/>.
/// A uprobe on a file covers every process that maps it, including processes started later.
/// </summary>
internal sealed class SslProbes
{
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
    private readonly HashSet<(ulong Device, ulong Inode)> _known = [];
    private readonly List<string> _probed = [];
    private readonly List<string> _skipped = [];

    public SslProbes(KernelProgram program) => _program = program;

    /// <summary>Paths of the files with probes attached.</summary>
    public IReadOnlyList<string> Libraries => _probed;

    /// <summary>Files that looked like libssl but could not be probed, with why.</summary>
    public IReadOnlyList<string> Skipped => _skipped;

    /// <summary>Probes files the user named; each must exist and export SSL_read and SSL_write.</summary>
    public void AttachNamed(IEnumerable<string> paths)
    {
        foreach (string path in paths)
        {
            SslLibrary library = SslLibraryFinder.Identify(path)
                ?? throw new RecorderException($"--ssl-lib {path} cannot be opened.", RecorderFailure.BadInput);
            if (!_known.Add((library.Device, library.Inode)))
                continue;
            if (Attach(library) is { } why)
                throw new RecorderException($"--ssl-lib {path}: {why}.", RecorderFailure.BadInput);
        }
    }

    /// <summary>Probes libssl files not seen before: the system's, then those mapped by running processes.</summary>
    public void Refresh()
    {
        foreach (SslLibrary library in SslLibraryFinder.SystemLibraries().Concat(SslLibraryFinder.MappedByProcesses()))
        {
            if (!_known.Add((library.Device, library.Inode)))
                continue;
            if (Attach(library) is { } why)
                _skipped.Add($"{library.Path}: {why}");
        }
    }

    /// <summary>Attaches every hook the file has; null on success, else why the file is not usable.</summary>
    private string? Attach(SslLibrary library)
    {
        foreach (var hook in Hooks)
        {
            // The return probe first: an entry seen without its return would leave the thread marked as inside a call.
            int error = _program.AttachUprobe(hook.Return, library.Path, hook.Function, returnProbe: true);
            if (error == 0)
                error = _program.AttachUprobe(hook.Entry, library.Path, hook.Function, returnProbe: false);
            if (error == ENOENT && !hook.Required)
                continue;
            if (error == ENOENT)
                return $"it does not export {hook.Function} (not OpenSSL's libssl?)";
            if (error != 0)
                return $"attaching a uprobe to {hook.Function} failed: {Interop.LibC.ErrorText(error)}";
        }
        _probed.Add(library.Path);
        return null;
    }
}
