using System.Diagnostics;

namespace Capture.Benchmarks;

/// <summary>The `capture` command of this checkout (cli/bin/Release), run in a child process under GNU time for its peak resident set.</summary>
public static class CaptureTool
{
    /// <summary>Runs `capture ARGS` and returns its peak resident set in KiB (GNU time's %M); throws when it fails.</summary>
    public static long PeakKb(params string[] args)
    {
        string tool = Path.Combine(Root(), "cli", "bin", "Release", "net10.0", "capture.dll");
        if (!File.Exists(tool))
            throw new InvalidOperationException($"{tool} is missing: run `dotnet build cli -c Release` first.");
        var start = new ProcessStartInfo("/usr/bin/time") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (string arg in (string[])["-f", "peak-kb %M", "dotnet", tool, .. args])
            start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        string stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        stdout.Wait();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"capture {args[0]} failed: {stderr}");
        return long.Parse(stderr.Split('\n').Last(l => l.StartsWith("peak-kb ", StringComparison.Ordinal))[8..]);
    }

    public static string Root()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Capture.sln")))
                return dir.FullName;
        throw new InvalidOperationException("Capture.sln not found above the benchmark binaries.");
    }
}
