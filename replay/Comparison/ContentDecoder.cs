using System.IO.Compression;

namespace Capture.Replay.Comparison;

/// <summary>
/// Undoes Content-Encoding on a replayed body so it can be compared with the recorded
/// one, which HAR stores decoded.
/// </summary>
public static class ContentDecoder
{
    /// <summary>Decodes in reverse order of application; returns null when a coding is unknown or the data is corrupt.</summary>
    public static byte[]? Decode(byte[] body, string? contentEncoding)
    {
        if (string.IsNullOrWhiteSpace(contentEncoding) || body.Length == 0)
            return body;
        var codings = contentEncoding.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        byte[] data = body;
        for (int i = codings.Length - 1; i >= 0; i--)
        {
            byte[]? decoded = DecodeOne(data, codings[i].ToLowerInvariant());
            if (decoded is null)
                return null;
            data = decoded;
        }
        return data;
    }

    static byte[]? DecodeOne(byte[] data, string coding)
    {
        try
        {
            return coding switch
            {
                "identity" => data,
                "gzip" or "x-gzip" => Inflate(new GZipStream(new MemoryStream(data), CompressionMode.Decompress)),
                "br" => Inflate(new BrotliStream(new MemoryStream(data), CompressionMode.Decompress)),
                // "deflate" should be zlib-wrapped, but some servers send raw deflate.
                "deflate" => TryZlibThenRaw(data),
                _ => null,
            };
        }
        catch (InvalidDataException)
        {
            return null;
        }
    }

    static byte[] TryZlibThenRaw(byte[] data)
    {
        try { return Inflate(new ZLibStream(new MemoryStream(data), CompressionMode.Decompress)); }
        catch (InvalidDataException) { return Inflate(new DeflateStream(new MemoryStream(data), CompressionMode.Decompress)); }
    }

    static byte[] Inflate(Stream decoder)
    {
        using (decoder)
        {
            var output = new MemoryStream();
            decoder.CopyTo(output);
            return output.ToArray();
        }
    }
}
