using System.Diagnostics;
using System.Net;
using System.Text;
using Capture.Format;
using Capture.Traffic.Pcap;
using Capture.Format.Records;

namespace Capture.Benchmarks;

/// <summary>
/// `capture pcap` throughput on one thread, in MB/s of capture payload, on two kinds of traffic:
/// small JSON API exchanges (packet overhead dominates) and large downloads (checksums and copies
/// dominate). Baselines measured in the same run: reading the same capture file with CaptureReader
/// (what any conversion must pay) and copying the payload through memory once.
/// </summary>
public static class PcapBenchmark
{
    public static int Run(string[] args)
    {
        long megabytes = args.Length > 0 ? long.Parse(args[0]) : 256;
        Console.WriteLine($"pcap benchmark: {megabytes} MB of payload per workload, one thread");
        Measure("JSON API (small exchanges)", JsonApiTraffic.Generate(megabytes << 20).ToList());
        Measure("downloads (256 KiB responses, 64 KiB reads)", Downloads(megabytes << 20).ToList());
        return 0;
    }

    private static void Measure(string workload, List<CaptureRecord> records)
    {
        long payload = records.OfType<DataRecord>().Sum(d => (long)d.Payload.Length);
        string path = Path.Combine(Path.GetTempPath(), $"pcap-bench-{Environment.ProcessId}.tcap");
        try
        {
            CaptureHeader header = FormatBenchmark.Header();
            using (var writer = CaptureWriter.Create(path, header))
            {
                foreach (var record in records)
                    writer.Write(record);
                writer.Complete();
            }

            PcapExportStats? stats = null;
            var results = new List<(string Name, double MBps)>();
            // Round 0 warms the JIT up and is not counted; then the best of three.
            for (int round = 0; round < 4; round++)
            {
                if (round == 1)
                    results.Clear();
                results.Add(("baseline: copy payload", Time(payload, () => CopyPayload(records))));
                results.Add(("baseline: read capture", Time(payload, () => ReadOnly(path))));
                results.Add(("pcap from capture file", Time(payload, () => stats = ConvertFile(path))));
                results.Add(("pcap from records in memory", Time(payload, () => PcapExporter.Export(records, header, Sink()))));
            }

            double Best(string name) => results.Where(r => r.Name == name).Max(r => r.MBps);
            double read = Best("baseline: read capture");
            Console.WriteLine($"{workload}: {payload / (double)(1 << 20):F0} MB payload, {stats!.Connections:N0} connections, {stats.Packets:N0} packets");
            foreach (string name in results.Select(r => r.Name).Distinct())
                Console.WriteLine($"  {name,-30} {Best(name),8:F0} MB/s   {Best(name) / read,5:F2}x reading");
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>What the CLI does: read the file and convert; the writer's 1 MiB blocks go nowhere here, to leave the disk out.</summary>
    private static PcapExportStats ConvertFile(string path)
    {
        using var reader = CaptureReader.Open(path);
        return PcapExporter.Export(reader.ReadRecords(), reader.Header, Sink());
    }

    private static Stream Sink() => Stream.Null;

    private static void ReadOnly(string path)
    {
        using var reader = CaptureReader.Open(path);
        long bytes = 0;
        foreach (var record in reader.ReadRecords())
            if (record is DataRecord d)
                bytes += d.Payload.Span[^1]; // touch the payload, as a conversion must
        GC.KeepAlive(bytes);
    }

    private static void CopyPayload(List<CaptureRecord> records)
    {
        byte[] sink = new byte[1 << 20];
        foreach (var record in records)
            if (record is DataRecord d)
                d.Payload.Span.CopyTo(sink);
    }

    private static double Time(long bytes, Action action)
    {
        GC.Collect();
        var watch = Stopwatch.StartNew();
        action();
        return bytes / (double)(1 << 20) / watch.Elapsed.TotalSeconds;
    }

    /// <summary>Keep-alive connections, each fetching four 256 KiB files read back in 64 KiB calls, as a client sees them.</summary>
    private static IEnumerable<CaptureRecord> Downloads(long payloadBytes)
    {
        const int responseBody = 256 * 1024;
        const int readSize = 64 * 1024;
        var random = new Random(1);
        byte[] body = new byte[responseBody];
        random.NextBytes(body);
        byte[] head = Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nContent-Type: application/octet-stream\r\nContent-Length: {responseBody}\r\n\r\n");
        byte[] response = [.. head, .. body];
        ulong ts = 1_000_000_000;
        long produced = 0;
        for (ulong id = 1; produced < payloadBytes; id++)
        {
            yield return new ConnectionOpenedRecord(ts++, id, 1000, 7, "curl", ConnectionRole.Client, ConnectionSource.Connect,
                new IPEndPoint(IPAddress.Loopback, 40000 + (int)(id % 20000)), new IPEndPoint(IPAddress.Loopback, 80), ConnectionFlags.None);
            ulong sent = 0, received = 0;
            for (int i = 0; i < 4; i++)
            {
                byte[] request = Encoding.ASCII.GetBytes($"GET /files/{id}/{i}.bin HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n");
                yield return new DataRecord(ts += 1000, id, Direction.Egress, sent, request, 0, DataFlags.None);
                sent += (ulong)request.Length;
                produced += request.Length;
                for (int offset = 0; offset < response.Length; offset += readSize)
                {
                    var chunk = response.AsMemory(offset, Math.Min(readSize, response.Length - offset));
                    yield return new DataRecord(ts += 1000, id, Direction.Ingress, received, chunk, 0, DataFlags.None);
                    received += (ulong)chunk.Length;
                    produced += chunk.Length;
                }
            }
            yield return new ConnectionClosedRecord(ts++, id, sent, received);
        }
    }
}
