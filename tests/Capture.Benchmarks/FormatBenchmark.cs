namespace Capture.Benchmarks;

/// <summary>Capture file write/read throughput and compression ratio (filled in by the format work).</summary>
public static class FormatBenchmark
{
    public static int Run(string[] args) => 0;
}
