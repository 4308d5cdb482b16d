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
            long inspectKb = CaptureTool.PeakKb("inspect", a);
            long mergeKb = CaptureTool.PeakKb("merge", a, b, "-o", Path.Combine(dir, "fleet.tcap"));
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
}
