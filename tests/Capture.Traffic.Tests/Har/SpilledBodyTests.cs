using System.IO.Compression;
using System.Text;
using Capture.Format;
using Capture.Format.Records;
using Capture.Traffic.Har;
using Capture.Traffic.Http;
using Capture.Traffic.Reassembly;
using Capture.Traffic.Tests.Reassembly;

namespace Capture.Traffic.Tests.Har;

/// <summary>Bodies over the spill threshold go through temporary files and come out in the HAR exactly as in-memory bodies do.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class SpilledBodyTests : IDisposable
{
    private readonly string _spillDirectory = Directory.CreateTempSubdirectory("spill-test-").FullName;

    public void Dispose() => Directory.Delete(_spillDirectory, recursive: true);

    private HarConversionOptions Spilling(int overBytes) => new()
    {
        Extractor = ExtractorOptions.StreamingBodies with
        {
            Parser = ExtractorOptions.StreamingBodies.Parser with { SpillBodiesOverBytes = overBytes, SpillDirectory = _spillDirectory },
        },
    };

    private static byte[] Har(IEnumerable<CaptureRecord> records, CaptureHeader header, HarConversionOptions options)
    {
        var output = new MemoryStream();
        var summary = HarConversion.Run(header, records, output, options);
        Assert.Equal(0, summary.Failed);
        return output.ToArray();
    }

    [Fact]
    public void Spilling_every_body_gives_the_same_HAR_bytes_as_keeping_them_in_memory()
    {
        var (script, _) = HarConversionTests.Scenario();
        byte[] inMemory = Har(script.Records, RecordScript.Header, new HarConversionOptions());
        byte[] spilled = Har(script.Records, RecordScript.Header, Spilling(overBytes: 0));
        Assert.Equal(Encoding.UTF8.GetString(inMemory), Encoding.UTF8.GetString(spilled));

        foreach (string fixture in Directory.EnumerateFiles(Path.Combine(HarValidatorTool.RepoRoot(), "fixtures"), "*.tcap", SearchOption.AllDirectories))
        {
            using var a = CaptureReader.Open(fixture);
            using var b = CaptureReader.Open(fixture);
            Assert.Equal(Har(a.ReadRecords(), a.Header, new HarConversionOptions()), Har(b.ReadRecords(), b.Header, Spilling(overBytes: 0)));
        }
        Assert.Empty(Directory.EnumerateFileSystemEntries(_spillDirectory));
        Assert.Empty(OpenSpillFiles());
    }

    [Fact]
    public void Bodies_larger_than_the_threshold_come_out_byte_identical_and_leave_no_file()
    {
        var random = new Random(7);
        byte[] upload = new byte[3 * 1024 * 1024 + 17];
        random.NextBytes(upload);
        // Multi-byte characters at every offset modulo 4, so some straddle each read and segment boundary.
        string text = string.Concat(Enumerable.Range(0, 120_000).Select(i => i % 3 == 0 ? "Zoë " : i % 3 == 1 ? "€uro " : "𝄞 line\n"));
        byte[] textBytes = Encoding.UTF8.GetBytes(text);
        byte[] gzipped = Gzip(textBytes);

        var s = new RecordScript().Open(1, ConnectionRole.Client, "10.0.0.2:40000", "10.0.0.1:8080");
        SendInPieces(s, Direction.Egress, Concat(Ascii($"POST /upload HTTP/1.1\r\nHost: files\r\nContent-Type: application/octet-stream\r\nContent-Length: {upload.Length}\r\n\r\n"), upload));
        SendInPieces(s, Direction.Ingress, Ascii("HTTP/1.1 204 No Content\r\n\r\n"));
        SendInPieces(s, Direction.Egress, Ascii("GET /log.txt HTTP/1.1\r\nHost: files\r\n\r\n"));
        SendInPieces(s, Direction.Ingress, Concat(Ascii("HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nTransfer-Encoding: chunked\r\n\r\n"), Chunked(textBytes, 70_001)));
        SendInPieces(s, Direction.Egress, Ascii("GET /log.txt.gz HTTP/1.1\r\nHost: files\r\n\r\n"));
        SendInPieces(s, Direction.Ingress, Concat(Ascii($"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Encoding: gzip\r\nContent-Length: {gzipped.Length}\r\n\r\n"), gzipped));
        s.Close(1);

        byte[] har = Har(s.Records, RecordScript.Header, Spilling(overBytes: 64 * 1024));
        var entries = HarReader.Read(new MemoryStream(har)).Entries;
        Assert.Equal(3, entries.Count);
        Assert.Equal(upload, System.Convert.FromBase64String(entries[0].Request.PostData!.Text!));
        Assert.Equal("base64", entries[0].Request.PostData!.Encoding);
        Assert.Equal(upload.Length, entries[0].Request.BodySize);
        Assert.Equal(text, entries[1].Response.Content.Text);
        Assert.Null(entries[1].Response.Content.Encoding);
        Assert.Equal(textBytes.Length, entries[1].Response.Content.Size);
        Assert.Equal(text, entries[2].Response.Content.Text);
        Assert.Equal(textBytes.Length - gzipped.Length, entries[2].Response.Content.Compression);
        Assert.Equal(gzipped.Length, entries[2].Response.BodySize);

        // The same capture with nothing spilled writes the same bytes.
        Assert.Equal(har, Har(s.Records, RecordScript.Header, new HarConversionOptions()));
        Assert.Empty(Directory.EnumerateFileSystemEntries(_spillDirectory));
        Assert.Empty(OpenSpillFiles());
    }

    [Fact]
    public void A_conversion_that_fails_mid_way_leaves_no_temporary_file_behind()
    {
        var s = new RecordScript().Open(1, ConnectionRole.Client, "10.0.0.2:40000", "10.0.0.1:8080");
        byte[] body = new byte[1024 * 1024];
        new Random(3).NextBytes(body);
        for (int i = 0; i < 4; i++)
        {
            SendInPieces(s, Direction.Egress, Ascii($"GET /file/{i} HTTP/1.1\r\nHost: files\r\n\r\n"));
            SendInPieces(s, Direction.Ingress, Concat(Ascii($"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: {body.Length}\r\n\r\n"), body));
        }
        // The last body is still arriving when the output fails: it sits in the parser, spilled.
        SendInPieces(s, Direction.Egress, Ascii("GET /file/last HTTP/1.1\r\nHost: files\r\n\r\n"));
        SendInPieces(s, Direction.Ingress, Concat(Ascii("HTTP/1.1 200 OK\r\nContent-Length: 5000000\r\n\r\n"), body));

        var failing = new FailingStream(failAfterBytes: 2 * 1024 * 1024);
        Assert.Throws<IOException>(() => HarConversion.Run(RecordScript.Header, s.Records, failing, Spilling(overBytes: 64 * 1024)));
        Assert.True(failing.Written > 0);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_spillDirectory));
        Assert.Empty(OpenSpillFiles());
    }

    [Fact]
    public void A_spilled_body_is_an_owner_only_file_with_no_name_that_goes_with_its_exchange()
    {
        var options = new HttpParserOptions { SpillBodiesOverBytes = 10, SpillDirectory = _spillDirectory };
        var sink = new Sink();
        using var parser = new HttpStreamParser(false, sink, () => "GET", options);
        byte[] body = Encoding.ASCII.GetBytes("more than ten bytes of body");
        parser.Feed(Concat(Ascii($"HTTP/1.1 200 OK\r\nContent-Length: {body.Length}\r\n\r\n"), body), 1);
        var message = Assert.Single(sink.Messages);
        Assert.True(message.Body.IsEmpty);
        var spilled = Assert.IsType<SpilledBody>(message.SpilledBody);
        Assert.Equal(body.Length, message.BodyLength);
        Assert.Equal(body, spilled.ToArray());

        string fd = Assert.Single(OpenSpillFiles());
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(fd));
        Assert.Empty(Directory.EnumerateFileSystemEntries(_spillDirectory));
        new HttpExchange { Connection = ConnectionInfo.Unknown(1, "h"), Response = message }.Dispose();
        Assert.Empty(OpenSpillFiles());
    }

    /// <summary>The process's open descriptors (/proc/self/fd) that point at a file in the spill directory, deleted or not.</summary>
    private List<string> OpenSpillFiles()
    {
        var open = new List<string>();
        foreach (string fd in Directory.EnumerateFileSystemEntries("/proc/self/fd"))
        {
            try
            {
                if (new FileInfo(fd).LinkTarget is { } target && target.StartsWith(_spillDirectory + "/", StringComparison.Ordinal))
                    open.Add(fd);
            }
            catch (IOException)
            {
                // closed while we looked
            }
        }
        return open;
    }

    private static void SendInPieces(RecordScript s, Direction direction, byte[] bytes)
    {
        const int Piece = 48 * 1024 + 3;
        for (int at = 0; at < bytes.Length; at += Piece)
            s.Send(1, direction, bytes[at..Math.Min(bytes.Length, at + Piece)]);
    }

    private static byte[] Chunked(byte[] body, int chunk)
    {
        var output = new MemoryStream();
        for (int at = 0; at < body.Length; at += chunk)
        {
            int n = Math.Min(chunk, body.Length - at);
            output.Write(Ascii($"{n:x}\r\n"));
            output.Write(body, at, n);
            output.Write("\r\n"u8);
        }
        output.Write("0\r\n\r\n"u8);
        return output.ToArray();
    }

    private static byte[] Gzip(byte[] data)
    {
        using var m = new MemoryStream();
        using (var z = new GZipStream(m, CompressionLevel.Fastest))
            z.Write(data);
        return m.ToArray();
    }

    private static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();
    private static byte[] Ascii(string s) => Encoding.ASCII.GetBytes(s);

    private sealed class Sink : IHttpMessageSink
    {
        public List<HttpMessage> Messages { get; } = [];
        public void OnHead(HttpMessage message) { }
        public void OnMessage(HttpMessage message) => Messages.Add(message);
    }

    /// <summary>An output that fails (like a full disk) once it has taken a given number of bytes.</summary>
    private sealed class FailingStream(long failAfterBytes) : Stream
    {
        public long Written { get; private set; }
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => Written;
        public override long Position { get => Written; set => throw new NotSupportedException(); }
        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));
        public override void Write(ReadOnlySpan<byte> buffer)
        {
            if (Written + buffer.Length > failAfterBytes)
                throw new IOException("No space left on device");
            Written += buffer.Length;
        }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
