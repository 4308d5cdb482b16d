using Capture.Benchmarks;

// A plain runner: each benchmark measures its subject and a baseline in the same run and
// prints ratios, because absolute numbers on shared machines are noise.
var benchmarks = new Dictionary<string, Func<string[], int>>(StringComparer.OrdinalIgnoreCase)
{
    ["format"] = FormatBenchmark.Run,
    ["sample-capture"] = SampleCapture.Run,
    ["pcap"] = PcapBenchmark.Run,
    ["replay"] = ReplayBenchmark.Run,
    ["har"] = HarBenchmark.Run,
    ["har-memory"] = HarMemoryBenchmark.Run,
    ["http2"] = Http2Benchmark.Run,
    ["merge"] = MergeBenchmark.Run,
};

if (args.Length == 0 || !benchmarks.TryGetValue(args[0], out var run))
{
    Console.Error.WriteLine($"usage: Capture.Benchmarks <{string.Join("|", benchmarks.Keys)}> [options]");
    return 2;
}
return run(args[1..]);
