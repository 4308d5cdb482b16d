using System.Diagnostics;

namespace Capture.EndToEnd.Tests.Infrastructure;

/// <summary>
/// A real tmpfs of a few KiB mounted for one test, to fill a disk for real. Needs root: skipped
/// elsewhere, a failure under CAPTURE_REQUIRE_BPF=1 (CI runs as root).
/// </summary>
public sealed class SmallFilesystem : IDisposable
{
    public string Path { get; }

    private SmallFilesystem(string path) => Path = path;

    public static SmallFilesystem Mount(int kibibytes)
    {
        if (!Environment.IsPrivilegedProcess)
        {
            const string reason = "mounting a small tmpfs needs root";
            if (Environment.GetEnvironmentVariable(BpfRequirement.RequireVariable) == "1")
                Assert.Fail($"{BpfRequirement.RequireVariable}=1 but {reason}");
            Assert.Skip(reason);
        }
        string path = Directory.CreateTempSubdirectory("capture-full-").FullName;
        Run("mount", "-t", "tmpfs", "-o", $"size={kibibytes}k,mode=0755", "tmpfs", path);
        return new SmallFilesystem(path);
    }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>Fills what is left with a file, so that the next write finds the disk full.</summary>
    public void FillUp()
    {
        using var filler = new FileStream(File("filler"), FileMode.Create);
        var chunk = new byte[4096];
        try
        {
            while (true)
                filler.Write(chunk);
        }
        catch (IOException)
        {
            // full
        }
    }

    public void Dispose()
    {
        Run("umount", "-l", Path); // lazy: a process that still holds a file there cannot keep the mount
        Directory.Delete(Path);
    }

    private static void Run(string file, params string[] args)
    {
        using var process = Process.Start(new ProcessStartInfo(file, args) { RedirectStandardError = true })!;
        string error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed: {error}");
    }
}
