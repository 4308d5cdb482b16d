using Capture.Format.Records;

namespace Capture.Recorder;

/// <summary>Describes each traced process once, from /proc, the first time one of its connections appears.</summary>
internal sealed class ProcessCatalog
{
    private readonly HashSet<int> _described = [];
    private readonly string _procRoot;

    public ProcessCatalog(string procRoot = "/proc") => _procRoot = procRoot;

    /// <summary>A record for a process not described yet, else null. <paramref name="fallbackName"/> serves if the process is gone.</summary>
    public ProcessRecord? FirstSight(int pid, ulong timestampNs, string fallbackName)
    {
        if (!_described.Add(pid))
            return null;
        string dir = Path.Combine(_procRoot, pid.ToString(System.Globalization.CultureInfo.InvariantCulture));
        string name = ReadOrDefault(Path.Combine(dir, "comm"))?.TrimEnd('\n') ?? fallbackName;
        string commandLine = ReadOrDefault(Path.Combine(dir, "cmdline"))?.TrimEnd('\0').Replace('\0', ' ') ?? "";
        return new ProcessRecord(timestampNs, pid, name, commandLine);
    }

    private static string? ReadOrDefault(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (IOException)
        {
            return null; // the process exited in the meantime
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}
