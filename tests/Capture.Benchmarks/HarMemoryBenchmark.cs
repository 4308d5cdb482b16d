using System.IO.Compression;
using System.Net;
using System.Text;
using Capture.Format;
using Capture.Format.Records;

namespace Capture.Benchmarks;

/// <summary>
/// Peak memory of the real `capture har` on a capture holding N exchanges with a body of M MB each
/// (issue #12: three 300 MB bodies must convert under 200 MB). The bodies take turns: an upload of
/// random bytes (application/octet-stream, base64 in the HAR), a plain-text download, and a
/// gzip-encoded text download (decoded into the HAR). Baseline in the same run: `capture inspect`
/// of the same file, which reads every record and keeps nothing.
/// Usage: Capture.Benchmarks har-memory [bodies] [MB per body]
/// </summary>
public static class HarMemoryBenchmark
{
    private const int RecordPayload = 64 * 1024;

    public static int Run(string[] args)
    {
        int bodies = args.Length > 0 ? int.Parse(args[0]) : 3;
        int megabytes = args.Length > 1 ? int.Parse(args[1]) : 300;
        string dir = Directory.CreateTempSubdirectory("har-memory-bench-").FullName;
        try
        {
            string capture = Path.Combine(dir, "bodies.tcap");
            Write(capture, dir, bodies, (long)megabytes << 20);
            string har = Path.Combine(dir, "bodies.har");
            long inspectKb = CaptureTool.PeakKb("inspect", capture);
            var watch = System.Diagnostics.Stopwatch.StartNew();
            long harKb = CaptureTool.PeakKb("har", capture, "-o", har);
            double seconds = watch.Elapsed.TotalSeconds;
            Console.WriteLine($"har-memory benchmark: {bodies} bodies of {megabytes} MB (upload, text download, gzip download in turn), capture {new FileInfo(capture).Length / 1e6:F0} MB on disk");
            Console.WriteLine($"  peak RSS, capture inspect (baseline) {inspectKb / 1024.0,7:F0} MiB");
            Console.WriteLine($"  peak RSS, capture har                {harKb / 1024.0,7:F0} MiB   {harKb / (double)inspectKb:F2}x baseline ({new FileInfo(har).Length / 1e6:F0} MB of HAR in {seconds:F1} s wall)");
            return 0;
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static void Write(string path, string dir, int bodies, long bodyBytes)
    {
        ulong ts = 5_000_000_000, connection = 0;
        using var writer = CaptureWriter.Create(path, FormatBenchmark.Header());
        var random = new Random(1);
        for (int i = 0; i < bodies; i++)
        {
            connection++;
            writer.Write(new ConnectionOpenedRecord(ts += 1_000_000, connection, 4200, 7, "curl", ConnectionRole.Client, ConnectionSource.Connect,
                new IPEndPoint(IPAddress.Loopback, 40000 + i), new IPEndPoint(IPAddress.Loopback, 8080), ConnectionFlags.None));
            ulong egress = 0, ingress = 0;
            void Send(Direction direction, ReadOnlySpan<byte> bytes)
            {
                for (int at = 0; at < bytes.Length; at += RecordPayload)
                {
                    var chunk = bytes.Slice(at, Math.Min(RecordPayload, bytes.Length - at)).ToArray();
                    ref ulong offset = ref direction == Direction.Egress ? ref egress : ref ingress;
                    writer.Write(new DataRecord(ts += 10_000, connection, direction, offset, chunk, 0, DataFlags.None));
                    offset += (ulong)chunk.Length;
                }
            }
            void SendStream(Direction direction, Stream body)
            {
                var buffer = new byte[RecordPayload];
                int read;
                while ((read = body.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false)) > 0)
                    Send(direction, buffer.AsSpan(0, read));
            }
            switch (i % 3)
            {
                case 0:
                    Send(Direction.Egress, Encoding.ASCII.GetBytes($"POST /upload/{i} HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nContent-Type: application/octet-stream\r\nContent-Length: {bodyBytes}\r\n\r\n"));
                    SendStream(Direction.Egress, new RandomBytes(random, bodyBytes));
                    Send(Direction.Ingress, "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n"u8);
                    break;
                case 1:
                    Send(Direction.Egress, Encoding.ASCII.GetBytes($"GET /download/{i}.txt HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n"));
                    Send(Direction.Ingress, Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {bodyBytes}\r\n\r\n"));
                    SendStream(Direction.Ingress, new LogText(bodyBytes));
                    break;
                default:
                    string gzip = Path.Combine(dir, "body.gz");
                    using (var file = File.Create(gzip))
                    using (var compressor = new GZipStream(file, CompressionLevel.Fastest))
                        new LogText(bodyBytes).CopyTo(compressor);
                    Send(Direction.Egress, Encoding.ASCII.GetBytes($"GET /download/{i}.json HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nAccept-Encoding: gzip\r\n\r\n"));
                    Send(Direction.Ingress, Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Encoding: gzip\r\nContent-Length: {new FileInfo(gzip).Length}\r\n\r\n"));
                    using (var compressed = File.OpenRead(gzip))
                        SendStream(Direction.Ingress, compressed);
                    File.Delete(gzip);
                    break;
            }
            writer.Write(new ConnectionClosedRecord(ts += 1_000_000, connection, egress, ingress));
        }
        writer.Complete();
    }

    /// <summary>A read-only stream of <paramref name="length"/> bytes produced by <see cref="Fill"/>.</summary>
    private abstract class GeneratedStream(long length) : Stream
    {
        private long _position;
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => length;
        public override long Position { get => _position; set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));
        public override int Read(Span<byte> buffer)
        {
            int n = (int)Math.Min(buffer.Length, length - _position);
            Fill(buffer[..n], _position);
            _position += n;
            return n;
        }
        protected abstract void Fill(Span<byte> buffer, long position);
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    private sealed class RandomBytes(Random random, long length) : GeneratedStream(length)
    {
        protected override void Fill(Span<byte> buffer, long position) => random.NextBytes(buffer);
    }

    /// <summary>Log lines with a counter and some non-ASCII text, so the body is valid UTF-8 that does not compress to nothing.</summary>
    private sealed class LogText(long length) : GeneratedStream(length)
    {
        private static readonly byte[] Line = Encoding.UTF8.GetBytes("2026-11-27T13:00:00Z INFO order accepted, customer Zoë Müller, total 42.00 € — line 0000000000\n");

        protected override void Fill(Span<byte> buffer, long position)
        {
            for (int i = 0; i < buffer.Length; i++)
            {
                long at = position + i;
                long line = at / Line.Length;
                int column = (int)(at % Line.Length);
                // The last 10 characters before the newline hold the line number.
                int digit = column - (Line.Length - 11);
                buffer[i] = digit is >= 0 and < 10 ? (byte)('0' + line / (long)Math.Pow(10, 9 - digit) % 10) : Line[column];
            }
        }
    }
}
