using System.Net;
using Capture.Format;
using Capture.Format.Records;
using Capture.Traffic;
using Capture.Traffic.Har;

namespace Capture.Benchmarks;

/// <summary>
/// `capture har` on HTTP/2, next to the HTTP/1 figure of <see cref="HarBenchmark"/>: a capture of h2
/// connections (the JSON API traffic of <see cref="Http2Benchmark"/>, recorded at the server, preface
/// included) converted to HAR on one thread, in MB/s of capture payload. Baseline in the same run:
/// reading the same file with CaptureReader.
/// </summary>
public static class Http2HarBenchmark
{
    public static void Run(string directory, long payloadBytes)
    {
        string capture = Path.Combine(directory, "h2.tcap");
        long payload = WriteCapture(capture, payloadBytes);
        double read = 0, convert = 0;
        HarConversionSummary? summary = null;
        for (int round = 0; round < 2; round++)
        {
            read = Math.Max(read, HarBenchmark.MBps(payload, () => HarBenchmark.ReadOnly(capture)));
            convert = Math.Max(convert, HarBenchmark.MBps(payload, () =>
            {
                using var reader = CaptureReader.Open(capture);
                summary = HarConversion.Run(reader, Stream.Null);
            }));
        }
        Console.WriteLine($"har benchmark, HTTP/2: {payload / (double)(1 << 20):F0} MB of h2 JSON API payload (HPACK, 0.5-16 KB bodies), one thread");
        Console.WriteLine($"  h2 streams written           {summary!.Written,10:N0}");
        Console.WriteLine($"  baseline: read capture       {read,10:F0} MB/s");
        Console.WriteLine($"  h2 capture -> HAR            {convert,10:F0} MB/s   {convert / read:F2}x reading");
    }

    private static long WriteCapture(string path, long payloadBytes)
    {
        var chunks = Http2Benchmark.Generate(streams: 500, seed: 2);
        long payload = 0;
        ulong ts = 5_000_000_000;
        using var writer = CaptureWriter.Create(path, FormatBenchmark.Header());
        for (ulong connection = 1; payload < payloadBytes; connection++)
        {
            var remote = new IPEndPoint(IPAddress.Parse($"10.2.{connection % 250}.{connection % 200 + 1}"), 40000 + (int)(connection % 20000));
            writer.Write(new ConnectionOpenedRecord(ts += 20_000, connection, 3200, 30, "grpc-gateway", ConnectionRole.Server, ConnectionSource.Accept,
                new IPEndPoint(IPAddress.Parse("10.0.0.6"), 8443), remote, ConnectionFlags.None));
            ulong inOffset = 0, outOffset = 0;
            foreach (var (direction, bytes) in chunks)
            {
                bool fromClient = direction == TrafficDirection.ClientToServer;
                writer.Write(new DataRecord(ts += 50_000, connection, fromClient ? Direction.Ingress : Direction.Egress,
                    fromClient ? inOffset : outOffset, bytes, 0, DataFlags.None));
                if (fromClient)
                    inOffset += (ulong)bytes.Length;
                else
                    outOffset += (ulong)bytes.Length;
                payload += bytes.Length;
            }
            writer.Write(new ConnectionClosedRecord(ts += 10_000, connection, outOffset, inOffset));
        }
        writer.Complete();
        return payload;
    }
}
