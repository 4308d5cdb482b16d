using Capture.Traffic.Http2.Hpack;

namespace Capture.Traffic.Tests.Http2;

public sealed class HpackPrimitiveTests
{
    [Theory]
    // RFC 7541 C.1.1, C.1.2, C.1.3
    [InlineData(new byte[] { 0x0A }, 5, 10)]
    [InlineData(new byte[] { 0x1F, 0x9A, 0x0A }, 5, 1337)]
    [InlineData(new byte[] { 0x2A }, 8, 42)]
    [InlineData(new byte[] { 0xFF, 0x80, 0x01 }, 8, 255 + 128)]
    public void Integers_decode_as_in_appendix_C1(byte[] bytes, int prefix, int expected)
    {
        int pos = 0;
        Assert.True(HpackInteger.TryDecode(bytes, ref pos, prefix, out int value));
        Assert.Equal(expected, value);
        Assert.Equal(bytes.Length, pos);
        var encoded = new byte[8];
        Assert.Equal(bytes, encoded[..HpackInteger.Encode(expected, prefix, 0, encoded)]);
    }

    [Theory]
    [InlineData(new byte[] { 0x1F, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F })] // would overflow 32 bits
    [InlineData(new byte[] { 0x1F, 0xFF, 0xFF, 0xFF, 0x7F })]       // 2^28 and more: beyond any sane size
    [InlineData(new byte[] { 0x1F, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00 })] // endless continuation
    [InlineData(new byte[] { 0x1F, 0x9A })]                         // ends inside the integer
    public void Hostile_integers_are_refused_without_overflow(byte[] bytes)
    {
        int pos = 0;
        Assert.False(HpackInteger.TryDecode(bytes, ref pos, 5, out _));
    }

    [Fact]
    public void Huffman_codes_match_appendix_B()
    {
        // A sample of Appendix B rows: (symbol, code, length).
        (int Symbol, uint Code, int Length)[] rows =
        [
            (0, 0x1ff8, 13), (1, 0x7fffd8, 23), (9, 0xffffea, 24), (10, 0x3ffffffc, 30), (13, 0x3ffffffd, 30),
            (22, 0x3ffffffe, 30), ((byte)' ', 0x14, 6), ((byte)'0', 0x0, 5), ((byte)'a', 0x3, 5), ((byte)'z', 0x7b, 7),
            (127, 0xffffffc, 28), (255, 0x3ffffee, 26), (256, 0x3fffffff, 30),
        ];
        foreach (var (symbol, code, length) in rows)
        {
            Assert.Equal(length, HuffmanCode.Lengths[symbol]);
            Assert.Equal(code, HuffmanCode.Codes[symbol]);
        }
    }

    [Fact]
    public void Every_byte_value_round_trips_through_huffman()
    {
        var all = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();
        var encoded = new byte[HuffmanCode.EncodedLength(all)];
        Assert.Equal(encoded.Length, HuffmanCode.Encode(all, encoded));
        var decoded = new byte[HuffmanCode.MaxDecodedLength(encoded.Length)];
        int n = HuffmanCode.Decode(encoded, decoded);
        Assert.Equal(all, decoded[..n]);
    }

    [Theory]
    [InlineData("ff")]          // 8 bits of padding (RFC 7541 section 5.2: must be shorter than 8)
    [InlineData("fffffffc")]    // contains EOS
    [InlineData("00")]          // '0' then padding of zeros, which is not a prefix of EOS
    public void Bad_huffman_strings_are_errors(string hex)
    {
        var decoded = new byte[64];
        Assert.Equal(-1, HuffmanCode.Decode(Convert.FromHexString(hex), decoded));
    }

    [Fact]
    public void A_size_update_after_a_field_is_an_error()
    {
        var decoder = new HpackDecoder();
        var block = decoder.Decode([0x82, 0x20]);
        Assert.NotNull(block.Error);
        Assert.Equal([(":method", "GET")], block.Fields.Select(f => (f.Name, f.Value)));
    }

    [Fact]
    public void A_size_update_above_the_settings_limit_is_an_error()
    {
        var decoder = new HpackDecoder();
        decoder.SetSizeLimit(100);
        Assert.NotNull(decoder.Decode([0x3F, 0x46]).Error); // 31 + 70 = 101
        var ok = new HpackDecoder();
        ok.SetSizeLimit(100);
        Assert.Null(ok.Decode([0x3F, 0x45]).Error);         // 100
        Assert.Equal(100, ok.Table.MaxSize);
    }

    [Fact]
    public void Two_size_updates_at_the_start_of_a_block_are_allowed_and_evict()
    {
        var encoder = new HpackEncoder();
        var decoder = new HpackDecoder();
        var output = new System.Buffers.ArrayBufferWriter<byte>();
        encoder.WriteField("x-a", "1", output);
        encoder.WriteField("x-b", "2", output);
        decoder.Decode(output.WrittenSpan);
        Assert.Equal(2, decoder.Table.Count);

        output.Clear();
        encoder.WriteSizeUpdate(0, output);
        encoder.WriteSizeUpdate(4096, output);
        encoder.WriteField("x-c", "3", output);
        var block = decoder.Decode(output.WrittenSpan);
        Assert.Null(block.Error);
        Assert.Equal(1, decoder.Table.Count);
        Assert.Equal("x-c", decoder.Table[0].Name);
    }

    [Fact]
    public void An_entry_larger_than_the_table_empties_it()
    {
        var decoder = new HpackDecoder();
        var encoder = new HpackEncoder { UseHuffman = false };
        var output = new System.Buffers.ArrayBufferWriter<byte>();
        encoder.WriteField("x-a", "1", output);
        encoder.WriteField("x-big", new string('v', 4096), output);
        var block = decoder.Decode(output.WrittenSpan);
        Assert.Null(block.Error);
        Assert.Equal(2, block.Fields.Count);
        Assert.Equal(0, decoder.Table.Count);
        Assert.Equal(0, decoder.Table.Size);
    }

    [Theory]
    [InlineData("be")]          // index 62 with an empty dynamic table
    [InlineData("80")]          // index 0
    [InlineData("410f7777")]    // string longer than the block
    [InlineData("0085ffffffffff")] // bad huffman string
    public void Invalid_blocks_report_an_error_and_do_not_throw(string hex)
    {
        var block = new HpackDecoder().Decode(Convert.FromHexString(hex));
        Assert.NotNull(block.Error);
    }
}
