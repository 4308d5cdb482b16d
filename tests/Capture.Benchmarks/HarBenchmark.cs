using System.Diagnostics;
using Capture.Format;
using Capture.Traffic.Har;
using Capture.Traffic.Json;
using Capture.Traffic.Pcap;
using Capture.Format.Records;
using Capture.Traffic.Redaction;

namespace Capture.Benchmarks;

/// <summary>
/// `capture har` throughput on one thread, in MB/s of capture payload, and its peak memory, on a
/// synthetic capture of JSON API traffic (default 512 MB of payload) written to a temporary file.
/// Baseline in the same run: reading the same file with CaptureReader, which any conversion pays.
/// If tshark is installed, `tshark -r X.pcapng -Y http -T json` is timed on a pcapng of the first
/// part of the same traffic (tshark needs minutes and gigabytes for the whole), and our converter on
/// that same part, so the ratio compares like with like.
/// The same conversion with redaction is timed in the same rounds, so its cost is a ratio to the plain conversion:
/// `--redact-name password` (the usual case: default headers plus a key most bodies do not hold), and
/// `--redact-name customer --redact-json '$..lines[*].unitPrice'` (a worst case: keys in nearly every body,
/// about 10 values per KB of payload become tokens).
/// Then the same size of HTTP/2 traffic through the same conversion (<see cref="Http2HarBenchmark"/>).
/// Usage: Capture.Benchmarks har [payload MB] [tshark MB]
/// </summary>
public static class HarBenchmark
{
    public static int Run(string[] args)
    {
        long megabytes = args.Length > 0 ? long.Parse(args[0]) : 512;
        long tsharkMegabytes = args.Length > 1 ? long.Parse(args[1]) : 32;
        string directory = Directory.CreateTempSubdirectory("har-bench-").FullName;
        try
        {
            string capture = Path.Combine(directory, "big.tcap");
            long payload = WriteCapture(capture, megabytes << 20);
            Console.WriteLine($"har benchmark: {payload / (double)(1 << 20):F0} MB of JSON API payload, one thread, output to a null stream; MB/s per CPU second");

            double read = 0, extract = 0, build = 0, convert = 0, peakMb = 0, gcShare = 0, redactDefault = 0, redactBodies = 0;
            var defaultRules = new RedactionRules { Names = ["password"] };
            var bodyRules = new RedactionRules { Names = ["customer"], JsonPaths = [JsonPathPattern.Parse("$..lines[*].unitPrice")] };
            HarConversionSummary? redactedSummary = null;
            HarConversionSummary? summary = null;
            for (int round = 0; round < 2; round++)
            {
                read = Math.Max(read, MBps(payload, () => ReadOnly(capture)));
                extract = Math.Max(extract, MBps(payload, () => ExtractOnly(capture, buildEntries: false)));
                build = Math.Max(build, MBps(payload, () => ExtractOnly(capture, buildEntries: true)));
                var pauseBefore = GC.GetTotalPauseDuration();
                var (seconds, peak) = Measure(() => summary = ConvertFile(capture, Stream.Null));
                gcShare = (GC.GetTotalPauseDuration() - pauseBefore).TotalSeconds / seconds;
                convert = Math.Max(convert, payload / (double)(1 << 20) / seconds);
                peakMb = Math.Max(peakMb, peak / (double)(1 << 20));
                redactDefault = Math.Max(redactDefault, MBps(payload, () => ConvertFile(capture, Stream.Null, defaultRules)));
                redactBodies = Math.Max(redactBodies, MBps(payload, () => redactedSummary = ConvertFile(capture, Stream.Null, bodyRules)));
            }
            Console.WriteLine($"  exchanges written            {summary!.Written,10:N0}");
            Console.WriteLine($"  baseline: read capture       {read,10:F0} MB/s");
            Console.WriteLine($"  stage: + exchanges           {extract,10:F0} MB/s   {extract / read:F2}x reading");
            Console.WriteLine($"  stage: + HAR entries         {build,10:F0} MB/s   {build / read:F2}x reading");
            Console.WriteLine($"  capture -> HAR               {convert,10:F0} MB/s   {convert / read:F2}x reading");
            Console.WriteLine($"  capture -> HAR, redacting:");
            Console.WriteLine($"    --redact-name password     {redactDefault,10:F0} MB/s   {redactDefault / convert:F2}x without redaction");
            Console.WriteLine($"    customer, $..unitPrice     {redactBodies,10:F0} MB/s   {redactBodies / convert:F2}x without redaction ({redactedSummary!.RedactedValues:N0} values redacted)");
            Console.WriteLine($"  peak working set (convert)   {peakMb,10:F0} MB");
            Console.WriteLine($"  time in GC pauses (convert)  {gcShare,10:P0}");

            CompareWithTshark(directory, tsharkMegabytes << 20);
            Http2HarBenchmark.Run(directory, megabytes << 20);
            return 0;
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static long WriteCapture(string path, long payloadBytes)
    {
        long payload = 0;
        using var writer = CaptureWriter.Create(path, FormatBenchmark.Header());
        foreach (var record in JsonApiTraffic.Generate(payloadBytes))
        {
            if (record is DataRecord d)
                payload += d.Payload.Length;
            writer.Write(record);
        }
        writer.Complete();
        return payload;
    }

    private static HarConversionSummary ConvertFile(string path, Stream output, RedactionRules? redaction = null)
    {
        using var reader = CaptureReader.Open(path);
        return HarConversion.Run(reader, output, new HarConversionOptions { Redaction = redaction });
    }

    /// <summary>The conversion without its later stages, to see where the time goes.</summary>
    private static void ExtractOnly(string path, bool buildEntries)
    {
        using var reader = CaptureReader.Open(path);
        var extractor = new Capture.Traffic.Reassembly.ExchangeExtractor(reader);
        var builder = new HarEntryBuilder(reader.Header);
        long count = 0;
        foreach (var exchange in extractor.ExchangesInStartOrder())
            count += buildEntries ? builder.Build(exchange).Request.HeadersSize : 1;
        GC.KeepAlive(count);
    }

    internal static void ReadOnly(string path)
    {
        using var reader = CaptureReader.Open(path);
        long sum = 0;
        foreach (var record in reader.ReadRecords())
            if (record is DataRecord d)
                sum += d.Payload.Span[^1]; // touch the payload, as a conversion must
        GC.KeepAlive(sum);
    }

    private static void CompareWithTshark(string directory, long payloadBytes)
    {
        string? tshark = new[] { "/usr/bin/tshark", "/usr/local/bin/tshark" }.FirstOrDefault(File.Exists);
        if (tshark is null)
        {
            Console.WriteLine("  tshark not installed: comparison skipped");
            return;
        }
        string capture = Path.Combine(directory, "part.tcap");
        string pcap = Path.Combine(directory, "part.pcapng");
        long payload = WriteCapture(capture, payloadBytes);
        using (var reader = CaptureReader.Open(capture))
        using (var output = File.Create(pcap))
            PcapExporter.Export(reader.ReadRecords(), reader.Header, output);

        double ours = MBps(payload, () => ConvertFile(capture, Stream.Null));
        // tshark's CPU time: user+system of reaped children, before and after (getrusage).
        double childCpuBefore = ChildrenCpuSeconds();
        var watch = Stopwatch.StartNew();
        var start = new ProcessStartInfo(tshark) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in (string[])["-r", pcap, "-Y", "http", "-T", "json"])
            start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        process.StandardOutput.BaseStream.CopyTo(Stream.Null);
        process.WaitForExit();
        double tsharkCpu = ChildrenCpuSeconds() - childCpuBefore;
        double theirs = payload / (double)(1 << 20) / (tsharkCpu > 0 ? tsharkCpu : watch.Elapsed.TotalSeconds);
        if (process.ExitCode != 0)
        {
            Console.WriteLine($"  tshark failed ({process.ExitCode}): {stderr.Result.Trim()}");
            return;
        }
        Console.WriteLine($"  on the first {payload / (double)(1 << 20):F0} MB (pcapng of the same traffic for tshark):");
        Console.WriteLine($"    tshark -Y http -T json     {theirs,10:F1} MB/s");
        Console.WriteLine($"    capture -> HAR             {ours,10:F1} MB/s   {ours / theirs:F1}x tshark");
    }

    /// <summary>
    /// MB per second of CPU time used by the process: the work is single-threaded, so this is the
    /// speed on one core, and unlike wall time it does not drop when other jobs share the machine.
    /// </summary>
    internal static double MBps(long bytes, Action action)
    {
        GC.Collect();
        var before = CpuTime();
        action();
        return bytes / (double)(1 << 20) / (CpuTime() - before).TotalSeconds;
    }

    [System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Sequential)]
    private struct RUsage
    {
        public long UserSeconds, UserMicroseconds, SystemSeconds, SystemMicroseconds;
        public long Rest0, Rest1, Rest2, Rest3, Rest4, Rest5, Rest6, Rest7, Rest8, Rest9, Rest10, Rest11, Rest12, Rest13;
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "getrusage")]
    private static extern int GetRUsage(int who, out RUsage usage);

    private static double ChildrenCpuSeconds()
    {
        const int RUsageChildren = -1;
        if (GetRUsage(RUsageChildren, out var u) != 0)
            return 0;
        return u.UserSeconds + u.UserMicroseconds / 1e6 + u.SystemSeconds + u.SystemMicroseconds / 1e6;
    }

    private static TimeSpan CpuTime()
    {
        using var self = Process.GetCurrentProcess();
        return self.TotalProcessorTime;
    }

    /// <summary>CPU seconds taken and the peak working set seen by a sampler while the action ran.</summary>
    private static (double Seconds, long PeakBytes) Measure(Action action)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        long peak = Environment.WorkingSet;
        using var done = new ManualResetEventSlim();
        var sampler = new Thread(() =>
        {
            while (!done.Wait(20))
                peak = Math.Max(peak, Environment.WorkingSet);
        }) { IsBackground = true };
        sampler.Start();
        var before = CpuTime();
        action();
        double seconds = (CpuTime() - before).TotalSeconds;
        done.Set();
        sampler.Join();
        return (seconds, Math.Max(peak, Environment.WorkingSet));
    }
}
