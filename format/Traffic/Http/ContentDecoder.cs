using System.IO.Compression;

namespace Capture.Traffic.Http;

/// <summary>Undoes Content-Encoding (gzip, x-gzip, deflate, br, identity), last coding first.</summary>
internal static class ContentDecoder
{
    /// <summary>
    /// Decodes <paramref name="body"/>. Returns false (and the body unchanged) when a coding is unknown
    /// or the data does not decode, for example because bytes are missing.
    /// </summary>
    public static bool TryDecode(ReadOnlyMemory<byte> body, string? contentEncoding, out ReadOnlyMemory<byte> decoded, int maxDecodedBytes = 64 * 1024 * 1024)
    {
        decoded = body;
        if (string.IsNullOrWhiteSpace(contentEncoding) || body.IsEmpty)
            return true;
        var codings = contentEncoding.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        ReadOnlyMemory<byte> current = body;
        for (int i = codings.Length - 1; i >= 0; i--)
        {
            string coding = codings[i].ToLowerInvariant();
            if (coding == "identity")
                continue;
            byte[]? next = coding switch
            {
                "gzip" or "x-gzip" => Inflate(current, m => new GZipStream(m, CompressionMode.Decompress), maxDecodedBytes),
                // "deflate" is meant to be zlib-wrapped (RFC 9110 8.4.1.2) but some servers send raw deflate.
                "deflate" => Inflate(current, m => new ZLibStream(m, CompressionMode.Decompress), maxDecodedBytes)
                             ?? Inflate(current, m => new DeflateStream(m, CompressionMode.Decompress), maxDecodedBytes),
                "br" => Inflate(current, m => new BrotliStream(m, CompressionMode.Decompress), maxDecodedBytes),
                _ => null,
            };
            if (next is null)
                return false;
            current = next;
        }
        decoded = current;
        return true;
    }

    /// <summary>True when the message says its body is content-encoded with something other than identity.</summary>
    public static bool IsEncoded(string? contentEncoding) =>
        !string.IsNullOrWhiteSpace(contentEncoding) && !contentEncoding.Trim().Equals("identity", StringComparison.OrdinalIgnoreCase);

    private static byte[]? Inflate(ReadOnlyMemory<byte> input, Func<Stream, Stream> open, int maxBytes)
    {
        try
        {
            using var source = new ReadOnlyMemoryStream(input);
            using var decoder = open(source);
            using var output = new MemoryStream(Math.Min(input.Length * 4, 1 << 20));
            var buffer = new byte[16 * 1024];
            int read;
            while ((read = decoder.Read(buffer)) > 0)
            {
                if (output.Length + read > maxBytes)
                    return null;
                output.Write(buffer, 0, read);
            }
            return output.ToArray();
        }
        catch (InvalidDataException)
        {
            return null;
        }
        catch (IOException)
        {
            return null;
        }
        catch (InvalidOperationException)
        {
            // BrotliStream reports bad data this way.
            return null;
        }
    }

    /// <summary>A read-only stream over memory without copying it into a byte[] first.</summary>
    private sealed class ReadOnlyMemoryStream(ReadOnlyMemory<byte> memory) : Stream
    {
        private int _position;
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => memory.Length;
        public override long Position { get => _position; set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));
        public override int Read(Span<byte> buffer)
        {
            int n = Math.Min(buffer.Length, memory.Length - _position);
            memory.Span.Slice(_position, n).CopyTo(buffer);
            _position += n;
            return n;
        }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
