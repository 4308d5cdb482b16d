using System.IO.Compression;

namespace Capture.Traffic.Http;

/// <summary>Undoes Content-Encoding (gzip, x-gzip, deflate, br, identity), last coding first.</summary>
internal static class ContentDecoder
{
    /// <summary>The most a spilled body may decode to (it stays a file, so only the disk bounds it).</summary>
    public const long MaxSpilledDecodedBytes = int.MaxValue;

    private delegate void ByteSink(ReadOnlySpan<byte> data);

    /// <summary>
    /// Decodes <paramref name="body"/>. Returns false (and the body unchanged) when a coding is unknown
    /// or the data does not decode, for example because bytes are missing.
    /// </summary>
    public static bool TryDecode(ReadOnlyMemory<byte> body, string? contentEncoding, out ReadOnlyMemory<byte> decoded, int maxDecodedBytes = 64 * 1024 * 1024)
    {
        decoded = body;
        if (string.IsNullOrWhiteSpace(contentEncoding) || body.IsEmpty)
            return true;
        ReadOnlyMemory<byte> current = body;
        foreach (string coding in LastFirst(contentEncoding))
        {
            if (coding == "identity")
                continue;
            var input = current;
            using var output = new MemoryStream(Math.Min(input.Length * 4, 1 << 20));
            if (!TryDecodeOne(coding, () => new MemoryReadStream(input), maxDecodedBytes, () => output.SetLength(0), data => output.Write(data)))
                return false;
            current = output.ToArray();
        }
        decoded = current;
        return true;
    }

    /// <summary>
    /// Decodes a spilled body from file to file, a buffer at a time. <paramref name="decoded"/> is
    /// <paramref name="body"/> itself when there is nothing to undo, else a new spilled body the caller
    /// disposes (in the same directory). Returns false (and the body itself) when a coding is unknown or the data does not decode.
    /// </summary>
    public static bool TryDecode(SpilledBody body, string? contentEncoding, out SpilledBody decoded, long maxDecodedBytes = MaxSpilledDecodedBytes)
    {
        decoded = body;
        if (string.IsNullOrWhiteSpace(contentEncoding) || body.Length == 0)
            return true;
        SpilledBody current = body;
        foreach (string coding in LastFirst(contentEncoding))
        {
            if (coding == "identity")
                continue;
            var input = current;
            var output = SpilledBody.Create(body.Directory);
            bool ok = TryDecodeOne(coding, input.OpenRead, maxDecodedBytes, () => { output.Dispose(); output = SpilledBody.Create(body.Directory); }, data => output.Append(data));
            if (current != body)
                current.Dispose();
            if (!ok)
            {
                output.Dispose();
                return false;
            }
            current = output;
        }
        decoded = current;
        return true;
    }

    /// <summary>True when the message says its body is content-encoded with something other than identity.</summary>
    public static bool IsEncoded(string? contentEncoding) =>
        !string.IsNullOrWhiteSpace(contentEncoding) && !contentEncoding.Trim().Equals("identity", StringComparison.OrdinalIgnoreCase);

    private static IEnumerable<string> LastFirst(string contentEncoding)
    {
        var codings = contentEncoding.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        for (int i = codings.Length - 1; i >= 0; i--)
            yield return codings[i].ToLowerInvariant();
    }

    /// <summary>One coding, from a fresh input stream into <paramref name="write"/>; <paramref name="restart"/> empties the output before a second try.</summary>
    private static bool TryDecodeOne(string coding, Func<Stream> open, long maxBytes, Action restart, ByteSink write) => coding switch
    {
        "gzip" or "x-gzip" => Inflate(open(), s => new GZipStream(s, CompressionMode.Decompress), maxBytes, write),
        // "deflate" is meant to be zlib-wrapped (RFC 9110 8.4.1.2) but some servers send raw deflate.
        "deflate" => Inflate(open(), s => new ZLibStream(s, CompressionMode.Decompress), maxBytes, write)
                     || Restarted(restart) && Inflate(open(), s => new DeflateStream(s, CompressionMode.Decompress), maxBytes, write),
        "br" => Inflate(open(), s => new BrotliStream(s, CompressionMode.Decompress), maxBytes, write),
        _ => false,
    };

    private static bool Restarted(Action restart)
    {
        restart();
        return true;
    }

    /// <summary>Bad data ends the decoding with false; a failure to write the output (a full disk) is not bad data and propagates.</summary>
    private static bool Inflate(Stream input, Func<Stream, Stream> open, long maxBytes, ByteSink write)
    {
        using var source = input;
        using var decoder = open(source);
        var buffer = new byte[16 * 1024];
        long total = 0;
        int read;
        while ((read = ReadDecoded(decoder, buffer)) > 0)
        {
            total += read;
            if (total > maxBytes)
                return false;
            write(buffer.AsSpan(0, read));
        }
        return read == 0;
    }

    /// <summary>Bytes read, 0 at the end, -1 when the data does not decode.</summary>
    private static int ReadDecoded(Stream decoder, byte[] buffer)
    {
        try
        {
            return decoder.Read(buffer);
        }
        catch (InvalidDataException)
        {
            return -1;
        }
        catch (IOException)
        {
            return -1;
        }
        catch (InvalidOperationException)
        {
            // BrotliStream reports bad data this way.
            return -1;
        }
    }
}
