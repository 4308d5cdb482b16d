using Capture.Format;
using Capture.Traffic.Har;
using Capture.Format.Inspection;
using Capture.Traffic.Pcap;
using Capture.Replay.Input;

namespace Capture.Fuzz.Tests;

/// <summary>
/// Damaged and hostile captures through every path a verb takes: inspect's summary, HAR conversion,
/// pcapng export, and a replay plan built from the capture. Only a one-sentence refusal may escape.
/// </summary>
public class CaptureFuzzTests
{
    /// <summary>Inputs per run; each goes through all four paths. CAPTURE_FUZZ_CAPTURES overrides it.</summary>
    private static readonly int Inputs = Environment.GetEnvironmentVariable("CAPTURE_FUZZ_CAPTURES") is { } s && int.TryParse(s, out int n) ? n : 1500;

    [Fact]
    public void Mutated_captures_are_read_converted_and_planned_without_an_undocumented_exception()
    {
        var random = new Random(FuzzRun.Seed);
        var run = new FuzzRun("capture", "tcap");
        for (int i = 0; i < Inputs; i++)
        {
            var (bytes, steps) = CaptureMutator.Mutate(random, Fixtures.Captures, Fixtures.ConnectionIds);
            run.Try(i, bytes, steps, (path, input) => EveryVerb(path, input));
        }
        run.AssertNoFailures();
    }

    /// <summary>What inspect, har, pcap and replay do with a capture, minus the CLI around them.</summary>
    internal static void EveryVerb(string path, byte[] input)
    {
        using (var reader = new CaptureReader(new MemoryStream(input)))
            CaptureSummary.Compute(reader);
        using (var reader = new CaptureReader(new MemoryStream(input)))
            HarConversion.Run(reader, Stream.Null);
        using (var reader = new CaptureReader(new MemoryStream(input)))
            PcapExporter.Export(reader.ReadRecords(), reader.Header, Stream.Null);
        CapturePlanReader.Load(path);
    }
}
