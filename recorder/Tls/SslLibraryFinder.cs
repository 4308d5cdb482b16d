using System.Globalization;
using Capture.Recorder.Interop;

namespace Capture.Recorder.Tls;

/// <summary>An ELF file to probe, by a path that opens it and by its identity (one file has many paths).</summary>
internal readonly record struct SslLibrary(string Path, ulong Device, ulong Inode);

/// <summary>
/// Finds OpenSSL's libssl files: in the usual system places, and in the memory maps of running
/// processes, where a program or library with OpenSSL linked in statically counts too.
/// </summary>
internal static class SslLibraryFinder
{
    /// <summary>
    /// Probed even when no process maps them yet, so that a process loading OpenSSL later (Python
    /// imports ssl on demand) is covered from its first call.
    /// </summary>
    private static readonly string[] SystemPaths =
    [
        "/usr/lib/x86_64-linux-gnu/libssl.so.3",
        "/usr/lib/x86_64-linux-gnu/libssl.so.1.1",
        "/usr/lib/aarch64-linux-gnu/libssl.so.3",
        "/usr/lib/aarch64-linux-gnu/libssl.so.1.1",
        "/usr/lib64/libssl.so.3",
        "/usr/lib64/libssl.so.1.1",
        "/usr/lib/libssl.so.3",
        "/usr/lib/libssl.so.1.1",
    ];

    /// <summary>OpenSSL's libssl.so.N (not NSS's libssl3.so).</summary>
    public static bool IsLibSsl(string fileName) => fileName.StartsWith("libssl.so", StringComparison.Ordinal);

    public static IEnumerable<SslLibrary> SystemLibraries()
    {
        foreach (string path in SystemPaths)
            if (Identify(path) is { } library)
                yield return library;
    }

    /// <summary>The ids of all processes now running.</summary>
    public static IEnumerable<int> Processes(string procRoot = "/proc")
    {
        List<string> dirs;
        try
        {
            dirs = Directory.EnumerateDirectories(procRoot).ToList();
        }
        catch (IOException)
        {
            yield break;
        }
        foreach (string dir in dirs)
            if (int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out int pid))
                yield return pid;
    }

    /// <summary>
    /// The OpenSSL files process <paramref name="pid"/> maps — libssl.so, and executable mappings that
    /// carry SSL_read/SSL_write statically — reached through /proc/PID/root so that a process in
    /// another mount namespace (a container) gives a path that opens its own file.
    /// </summary>
    public static IEnumerable<SslLibrary> MappedBy(int pid, string procRoot = "/proc")
    {
        string dir = Path.Combine(procRoot, pid.ToString(CultureInfo.InvariantCulture));
        var (libSsl, executable) = MappedPaths(Path.Combine(dir, "maps"));
        foreach (string mapped in libSsl)
            if (Identify(dir + "/root" + mapped) is { } library)
                yield return library;
        // Decided once per file by the maps line's own device and inode: a file already known not to
        // carry OpenSSL is not opened again on every refresh.
        foreach (var (file, path) in executable)
            if (StaticOpenSsl.Carries(file, dir + "/root" + path) && Identify(dir + "/root" + path) is { } library)
                yield return library;
    }

    /// <summary>The process's name as the kernel keeps it (what --comm matches), or null when it is gone.</summary>
    public static string? ProcessName(int pid, string procRoot = "/proc")
    {
        try
        {
            return File.ReadAllText(Path.Combine(procRoot, pid.ToString(CultureInfo.InvariantCulture), "comm")).TrimEnd('\n');
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>The device and inode of the file at <paramref name="path"/>, or null when it cannot be opened.</summary>
    public static unsafe SslLibrary? Identify(string path)
    {
        try
        {
            using var handle = File.OpenHandle(path);
            LibC.Stat stat;
            if (LibC.FStat((int)handle.DangerousGetHandle(), &stat) != 0)
                return null;
            return new SslLibrary(path, stat.Dev, stat.Ino);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>
    /// Distinct file paths in one /proc/PID/maps ("start-end perms offset dev inode path"): the libssl
    /// ones, and the other files mapped executable (which may carry OpenSSL statically).
    /// </summary>
    private static (HashSet<string> LibSsl, HashSet<(MappedFile File, string Path)> Executable) MappedPaths(string mapsFile)
    {
        var libSsl = new HashSet<string>(StringComparer.Ordinal);
        var executable = new HashSet<(MappedFile, string)>();
        try
        {
            foreach (string line in File.ReadLines(mapsFile))
            {
                int slash = line.IndexOf('/');
                if (slash < 0 || line.EndsWith(" (deleted)", StringComparison.Ordinal))
                    continue; // anonymous memory, or a file replaced on disk since it was mapped
                string path = line[slash..];
                int perms = line.IndexOf(' ');
                if (IsLibSsl(Path.GetFileName(path)))
                    libSsl.Add(path);
                else if (perms > 0 && perms + 3 < line.Length && line[perms + 3] == 'x' && MappedFile.Parse(line) is { } file)
                    executable.Add((file, path));
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // the process exited, or is a kernel thread
        }
        return (libSsl, executable);
    }
}
