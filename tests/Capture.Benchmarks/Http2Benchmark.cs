using System.Buffers;
using System.Diagnostics;
using System.Text;
using Capture.Traffic;
using Capture.Traffic.Http2;
using Capture.Traffic.Http2.Frames;
using Capture.Traffic.Http2.Hpack;

namespace Capture.Benchmarks;

/// <summary>
/// HTTP/2 decoding throughput on one thread: both directions' bytes of h2 connections carrying JSON
/// API traffic (HPACK-compressed heads with dynamic table references, 0.5-16 KB JSON bodies in DATA
/// frames, one chunk per frame group as a syscall would carry) into exchanges, in MB/s of connection
/// bytes. Baseline in the same run: copying the same chunks into a buffer, which any consumer pays.
/// Usage: Capture.Benchmarks http2 [MB of traffic, default 256]
/// </summary>
public static class Http2Benchmark
{
    public static int Run(string[] args)
    {
        long megabytes = args.Length > 0 ? long.Parse(args[0]) : 256;
        var connection = Generate(streams: 2000, seed: 1);
        long connectionBytes = connection.Sum(c => (long)c.Bytes.Length);
        int rounds = (int)Math.Max(1, (megabytes << 20) / connectionBytes);
        long total = connectionBytes * rounds;
        Console.WriteLine($"http2 benchmark: {total / (double)(1 << 20):F0} MB of h2 traffic ({rounds} connections of {connectionBytes / (double)(1 << 20):F1} MB, " +
                          $"{connection.Count} chunks each), one thread; best of 3");

        // Warm up (tiered compilation) before anything is timed.
        DecodeAll(connection, 2);
        CopyOnly(connection, 2);
        double copy = 0, decode = 0;
        long exchanges = 0;
        for (int attempt = 0; attempt < 3; attempt++)
        {
            copy = Math.Max(copy, MBps(total, () => CopyOnly(connection, rounds)));
            decode = Math.Max(decode, MBps(total, () => exchanges = DecodeAll(connection, rounds)));
        }
        Console.WriteLine($"  exchanges decoded            {exchanges,10:N0}");
        Console.WriteLine($"  baseline: copy the chunks    {copy,10:F0} MB/s");
        Console.WriteLine($"  frames -> exchanges          {decode,10:F0} MB/s   {decode / copy:F3}x copying");
        return 0;
    }

    private static double MBps(long bytes, Action action)
    {
        GC.Collect();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        action();
        double seconds = Math.Max(clock.Elapsed.TotalSeconds, (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds);
        return bytes / (double)(1 << 20) / seconds;
    }

    private static long CopyOnly(List<(TrafficDirection Direction, byte[] Bytes)> chunks, int rounds)
    {
        var buffer = new byte[1 << 20];
        long sum = 0;
        for (int round = 0; round < rounds; round++)
            foreach (var (_, bytes) in chunks)
            {
                bytes.CopyTo(buffer, 0);
                sum += buffer[bytes.Length - 1];
            }
        return sum;
    }

    private static long DecodeAll(List<(TrafficDirection Direction, byte[] Bytes)> chunks, int rounds)
    {
        long count = 0;
        for (int round = 0; round < rounds; round++)
        {
            using var connection = new Http2Connection(e => count++);
            ulong ns = 0;
            foreach (var (direction, bytes) in chunks)
                connection.OnData(direction, bytes, ns += 1000);
            connection.OnEnd(ns);
        }
        return count;
    }

    /// <summary>One connection's chunks: requests in batches of up to 10 concurrent streams, answered out of order.</summary>
    internal static List<(TrafficDirection Direction, byte[] Bytes)> Generate(int streams, int seed)
    {
        var random = new Random(seed);
        var chunks = new List<(TrafficDirection Direction, byte[] Bytes)>();
        var client = new HpackEncoder();
        var server = new HpackEncoder();
        var output = new ArrayBufferWriter<byte>();
        void Flush(TrafficDirection direction)
        {
            chunks.Add((direction, output.WrittenSpan.ToArray()));
            output.Clear();
        }

        Http2FrameWriter.WritePreface(output);
        Http2FrameWriter.WriteSettings(output, (Http2Settings.HeaderTableSize, 4096));
        Flush(TrafficDirection.ClientToServer);
        Http2FrameWriter.WriteSettings(output);
        Http2FrameWriter.WriteSettingsAck(output);
        Flush(TrafficDirection.ServerToClient);

        string[] resources = ["users", "orders", "items", "carts", "invoices", "sessions"];
        int stream = 1;
        while (stream < streams * 2)
        {
            var batch = new List<int>();
            for (int i = random.Next(1, 11); i > 0 && stream < streams * 2; i--, stream += 2)
            {
                batch.Add(stream);
                string resource = resources[random.Next(resources.Length)];
                bool post = random.Next(4) == 0;
                Http2FrameWriter.WriteHeaders(output, client, stream,
                [
                    (":method", post ? "POST" : "GET"), (":scheme", "https"), (":authority", "api.example.com"),
                    (":path", $"/v1/{resource}/{random.Next(100_000)}?expand=true"), ("accept", "application/json"),
                    ("accept-encoding", "gzip, deflate, br"), ("user-agent", "shop-frontend/4.2 (+https://example.com)"),
                    ("authorization", "Bearer eyJhbGciOiJIUzI1NiJ9.c2Vzc2lvbg.c2lnbmF0dXJl"),
                    ("x-request-id", Guid.NewGuid().ToString()), .. post ? [("content-type", "application/json")] : Array.Empty<(string, string)>(),
                ], endStream: !post);
                if (post)
                    Http2FrameWriter.WriteData(output, stream, Json(random, random.Next(200, 2000)), endStream: true);
                Flush(TrafficDirection.ClientToServer);
            }
            foreach (int answered in batch.OrderBy(_ => random.Next()))
            {
                byte[] body = Json(random, random.Next(512, 16_384));
                Http2FrameWriter.WriteHeaders(output, server, answered,
                [
                    (":status", "200"), ("content-type", "application/json; charset=utf-8"), ("date", "Fri, 27 Nov 2026 10:00:00 GMT"),
                    ("server", "envoy"), ("cache-control", "no-store"), ("content-length", body.Length.ToString()),
                    ("x-request-id", Guid.NewGuid().ToString()),
                ], endStream: false);
                Http2FrameWriter.WriteData(output, answered, body, endStream: true);
                Flush(TrafficDirection.ServerToClient);
            }
        }
        return chunks;
    }

    private static byte[] Json(Random random, int length)
    {
        var text = new StringBuilder(length + 64);
        text.Append("{\"items\":[");
        while (text.Length < length)
            text.Append($"{{\"id\":{random.Next(1_000_000)},\"name\":\"item-{random.Next(1000)}\",\"price\":{random.Next(10_000) / 100.0},\"tags\":[\"a\",\"b\"]}},");
        text.Length--;
        text.Append("]}");
        return Encoding.UTF8.GetBytes(text.ToString());
    }
}
