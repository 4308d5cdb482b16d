using System.Diagnostics;
using Capture.Format;
using Capture.Format.Records;

namespace Capture.Benchmarks;

/// <summary>
/// Capture file write and read throughput on one thread, and the compression ratio, on JSON API traffic.
/// The baseline, measured in the same run, is copying the same payload bytes through memory once:
/// the ratios say how far from a plain copy the format is, whatever the machine.
/// </summary>
public static class FormatBenchmark
{
    public static int Run(string[] args)
    {
        long megabytes = args.Length > 0 ? long.Parse(args[0]) : 256;
        Console.WriteLine($"format benchmark: {megabytes} MB of JSON API payload, one thread");
        var records = JsonApiTraffic.Generate(megabytes << 20).ToList();
        long payload = records.OfType<DataRecord>().Sum(d => (long)d.Payload.Length);
        string path = Path.Combine(Path.GetTempPath(), $"format-bench-{Environment.ProcessId}.tcap");
        try
        {
            var results = new List<(string Name, double MBps)>();
            for (int round = 0; round < 3; round++)
            {
                results.Add(("baseline: copy payload", Measure(payload, () => CopyPayload(records))));
                results.Add(("write (LZ4, to file)", Measure(payload, () => Write(records, path))));
                results.Add(("read (from page cache)", Measure(payload, () => Read(path))));
            }
            double Best(string name) => results.Where(r => r.Name == name).Max(r => r.MBps);
            double baseline = Best("baseline: copy payload");
            foreach (string name in results.Select(r => r.Name).Distinct())
                Console.WriteLine($"  {name,-26} {Best(name),8:F0} MB/s   {Best(name) / baseline,5:F2}x baseline");
            long fileSize = new FileInfo(path).Length;
            Console.WriteLine($"  compression: {payload / (double)(1 << 20):F0} MB payload -> {fileSize / (double)(1 << 20):F0} MB file, ratio {payload / (double)fileSize:F2}x");
            return 0;
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static double Measure(long bytes, Action action)
    {
        GC.Collect();
        var watch = Stopwatch.StartNew();
        action();
        return bytes / (double)(1 << 20) / watch.Elapsed.TotalSeconds;
    }

    private static void CopyPayload(List<CaptureRecord> records)
    {
        byte[] sink = new byte[1 << 20];
        foreach (var record in records)
            if (record is DataRecord d)
                d.Payload.Span.CopyTo(sink);
    }

    private static void Write(List<CaptureRecord> records, string path)
    {
        using var writer = CaptureWriter.Create(path, Header());
        foreach (var record in records)
            writer.Write(record);
        writer.Complete();
    }

    private static void Read(string path)
    {
        using var reader = CaptureReader.Open(path);
        long bytes = 0;
        foreach (var record in reader.ReadRecords())
            if (record is DataRecord d)
                bytes += d.Payload.Length;
        if (bytes == 0)
            throw new InvalidOperationException("nothing was read back");
    }

    public static CaptureHeader Header() => new(Environment.MachineName, Environment.OSVersion.VersionString, "capture-benchmark",
        MonotonicClock.WallOffsetNs(), new Dictionary<string, string> { ["source"] = "synthetic JSON API traffic" });
}
