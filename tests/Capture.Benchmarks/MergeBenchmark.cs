using System.Diagnostics;
using Capture.Format;

namespace Capture.Benchmarks;

/// <summary>
/// `capture merge` memory: two synthetic captures of N MB of payload each (two "hosts"), merged by the real
/// tool in a child process; its peak resident set (GNU time's %M) against the same tool's `inspect` of one
/// input (a plain streaming read, the baseline measured in the same run) and against the inputs' size.
/// </summary>
public static class MergeBenchmark
{
    public static int Run(string[] args)
    {
        long megabytes = args.Length > 0 ? long.Parse(args[0]) : 100;
        string dir = Directory.CreateTempSubdirectory("merge-bench-").FullName;
        try
        {
            string a = Write(Path.Combine(dir, "node-a.tcap"), "node-a", megabytes, seed: 1);
            string b = Write(Path.Combine(dir, "node-b.tcap"), "node-b", megabytes, seed: 2);
            long inputBytes = new FileInfo(a).Length + new FileInfo(b).Length;
            long inspectKb = PeakKb("inspect", a);
            long mergeKb = PeakKb("merge", a, b, "-o", Path.Combine(dir, "fleet.tcap"));
            Console.WriteLine($"merge benchmark: two captures of {megabytes} MB payload each, {inputBytes / 1e6:F0} MB on disk together");
            Console.WriteLine($"  peak RSS, inspect of one input (baseline) {inspectKb / 1024.0,7:F0} MiB");
            Console.WriteLine($"  peak RSS, merge of both                   {mergeKb / 1024.0,7:F0} MiB   {mergeKb / (double)inspectKb:F2}x baseline, {mergeKb * 1024.0 / inputBytes:F2}x the inputs' size");
            return 0;
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static string Write(string path, string host, long megabytes, int seed)
    {
        using var writer = CaptureWriter.Create(path, FormatBenchmark.Header() with { HostName = host });
        foreach (var record in JsonApiTraffic.Generate(megabytes << 20, seed))
            writer.Write(record);
        writer.Complete();
        return path;
    }

    /// <summary>Runs the capture tool of this checkout under GNU time and returns its peak resident set in KiB.</summary>
    private static long PeakKb(params string[] args)
    {
        string tool = Path.Combine(Root(), "cli", "bin", "Release", "net10.0", "capture.dll");
        var start = new ProcessStartInfo("/usr/bin/time") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (string arg in (string[])["-f", "peak-kb %M", "dotnet", tool, .. args])
            start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        process.StandardOutput.ReadToEnd();
        string stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"capture {args[0]} failed: {stderr}");
        return long.Parse(stderr.Split('\n').Last(l => l.StartsWith("peak-kb ", StringComparison.Ordinal))[8..]);
    }

    private static string Root()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Capture.sln")))
                return dir.FullName;
        throw new InvalidOperationException("Capture.sln not found above the benchmark binaries.");
    }
}
