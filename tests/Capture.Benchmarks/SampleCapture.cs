using Capture.Format;

namespace Capture.Benchmarks;

/// <summary>Writes a small synthetic capture (JSON API traffic), as used for fixtures/synthetic-api.tcap.</summary>
public static class SampleCapture
{
    public static int Run(string[] args)
    {
        if (args.Length != 1)
        {
            Console.Error.WriteLine("usage: Capture.Benchmarks sample-capture OUT.tcap");
            return 2;
        }
        var header = new CaptureHeader("fixture-host", "6.18.0", "capture-sample-generator", 1_763_388_000_000_000_000,
            new Dictionary<string, string> { ["source"] = "synthetic JSON API traffic (tests/Capture.Benchmarks/JsonApiTraffic.cs, seed 1)" });
        using var writer = CaptureWriter.Create(args[0], header, new CaptureWriterOptions { BlockSize = 16 << 10 });
        ulong last = 0;
        foreach (var record in JsonApiTraffic.Generate(200 << 10))
        {
            writer.Write(record);
            last = record.TimestampNs;
        }
        writer.Complete(last + 1_000_000);
        return 0;
    }
}
