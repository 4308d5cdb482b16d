using System.IO.Compression;
using System.Text;
using Capture.Traffic.Http;

namespace Capture.Traffic.Tests.Http;

public class ContentDecoderTests
{
    private static readonly byte[] Text = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("compress me please ", 50)));

    private static byte[] Encode(byte[] data, Func<Stream, Stream> open)
    {
        using var m = new MemoryStream();
        using (var z = open(m))
            z.Write(data);
        return m.ToArray();
    }

    private static byte[] Gzip(byte[] d) => Encode(d, m => new GZipStream(m, CompressionLevel.Fastest));
    private static byte[] Zlib(byte[] d) => Encode(d, m => new ZLibStream(m, CompressionLevel.Fastest));
    private static byte[] RawDeflate(byte[] d) => Encode(d, m => new DeflateStream(m, CompressionLevel.Fastest));
    private static byte[] Brotli(byte[] d) => Encode(d, m => new BrotliStream(m, CompressionLevel.Fastest));

    public static readonly TheoryData<string, string> Codings = new()
    {
        { "gzip", "gzip" }, { "x-gzip", "gzip" }, { "GZIP", "gzip" }, { "deflate", "zlib" }, { "deflate", "raw" }, { "br", "br" },
        { "identity", "none" }, { "gzip, br", "gzip+br" },
    };

    [Theory]
    [MemberData(nameof(Codings))]
    public void Decodes_every_supported_coding(string header, string how)
    {
        byte[] body = how switch
        {
            "gzip" => Gzip(Text),
            "zlib" => Zlib(Text),
            "raw" => RawDeflate(Text),
            "br" => Brotli(Text),
            "gzip+br" => Brotli(Gzip(Text)),
            _ => Text,
        };
        Assert.True(ContentDecoder.TryDecode(body, header, out var decoded));
        Assert.Equal(Text, decoded.ToArray());
    }

    [Fact]
    public void Unknown_or_broken_data_is_left_as_is()
    {
        byte[] gz = Gzip(Text);
        Assert.False(ContentDecoder.TryDecode(gz, "zstd", out var unknown));
        Assert.Equal(gz, unknown.ToArray());
        Assert.False(ContentDecoder.TryDecode(Text, "br", out var notBrotli));
        Assert.Equal(Text, notBrotli.ToArray());
    }

    [Fact]
    public void A_body_cut_short_decodes_to_what_was_captured()
    {
        // The exchange itself is marked incomplete or truncated; its text shows the bytes that were there.
        byte[] gz = Gzip(Text);
        ContentDecoder.TryDecode(gz[..(gz.Length / 2)], "gzip", out var partial);
        Assert.True(partial.Length < Text.Length);
        Assert.Equal(Text[..partial.Length], partial.ToArray());
    }

    [Fact]
    public void A_decompression_bomb_stops_at_the_limit()
    {
        byte[] zeros = new byte[4 * 1024 * 1024];
        Assert.False(ContentDecoder.TryDecode(Gzip(zeros), "gzip", out _, maxDecodedBytes: 1024 * 1024));
        Assert.True(ContentDecoder.TryDecode(Gzip(zeros), "gzip", out var whole, maxDecodedBytes: 8 * 1024 * 1024));
        Assert.Equal(zeros.Length, whole.Length);
    }
}
