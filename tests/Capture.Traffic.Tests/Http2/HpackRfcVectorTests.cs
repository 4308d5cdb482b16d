using Capture.Traffic.Http2.Hpack;

namespace Capture.Traffic.Tests.Http2;

/// <summary>RFC 7541 Appendix C, every example: decoded fields and the dynamic table after each block.</summary>
public sealed class HpackRfcVectorTests
{
    private static readonly (string, string)[] Request1 = [(":method", "GET"), (":scheme", "http"), (":path", "/"), (":authority", "www.example.com")];
    private static readonly (string, string)[] Request2 = [.. Request1, ("cache-control", "no-cache")];
    private static readonly (string, string)[] Request3 =
        [(":method", "GET"), (":scheme", "https"), (":path", "/index.html"), (":authority", "www.example.com"), ("custom-key", "custom-value")];

    private static readonly (string, string)[] Response1 =
        [(":status", "302"), ("cache-control", "private"), ("date", "Mon, 21 Oct 2013 20:13:21 GMT"), ("location", "https://www.example.com")];
    private static readonly (string, string)[] Response2 =
        [(":status", "307"), ("cache-control", "private"), ("date", "Mon, 21 Oct 2013 20:13:21 GMT"), ("location", "https://www.example.com")];
    private static readonly (string, string)[] Response3 =
    [
        (":status", "200"), ("cache-control", "private"), ("date", "Mon, 21 Oct 2013 20:13:22 GMT"), ("location", "https://www.example.com"),
        ("content-encoding", "gzip"), ("set-cookie", "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1"),
    ];

    private static readonly (string, string, int)[] RequestTable1 = [(":authority", "www.example.com", 57)];
    private static readonly (string, string, int)[] RequestTable2 = [("cache-control", "no-cache", 53), .. RequestTable1];
    private static readonly (string, string, int)[] RequestTable3 = [("custom-key", "custom-value", 54), .. RequestTable2];

    private static readonly (string, string, int)[] ResponseTable1 =
    [
        ("location", "https://www.example.com", 63), ("date", "Mon, 21 Oct 2013 20:13:21 GMT", 65),
        ("cache-control", "private", 52), (":status", "302", 42),
    ];
    private static readonly (string, string, int)[] ResponseTable2 =
    [
        (":status", "307", 42), ("location", "https://www.example.com", 63),
        ("date", "Mon, 21 Oct 2013 20:13:21 GMT", 65), ("cache-control", "private", 52),
    ];
    private static readonly (string, string, int)[] ResponseTable3 =
    [
        ("set-cookie", "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1", 98),
        ("content-encoding", "gzip", 52), ("date", "Mon, 21 Oct 2013 20:13:22 GMT", 65),
    ];

    [Fact]
    public void C2_1_literal_with_indexing()
    {
        var decoder = new HpackDecoder();
        AssertBlock(decoder, "400a637573746f6d2d6b65790d637573746f6d2d686561646572", [("custom-key", "custom-header")]);
        AssertTable(decoder, [("custom-key", "custom-header", 55)]);
    }

    [Fact]
    public void C2_2_literal_without_indexing()
    {
        var decoder = new HpackDecoder();
        AssertBlock(decoder, "040c2f73616d706c652f70617468", [(":path", "/sample/path")]);
        AssertTable(decoder, []);
    }

    [Fact]
    public void C2_3_literal_never_indexed()
    {
        var decoder = new HpackDecoder();
        AssertBlock(decoder, "100870617373776f726406736563726574", [("password", "secret")]);
        AssertTable(decoder, []);
    }

    [Fact]
    public void C2_4_indexed()
    {
        var decoder = new HpackDecoder();
        AssertBlock(decoder, "82", [(":method", "GET")]);
        AssertTable(decoder, []);
    }

    [Fact]
    public void C3_requests_without_huffman()
    {
        var decoder = new HpackDecoder();
        AssertBlock(decoder, "828684410f7777772e6578616d706c652e636f6d", Request1);
        AssertTable(decoder, RequestTable1);
        AssertBlock(decoder, "828684be58086e6f2d6361636865", Request2);
        AssertTable(decoder, RequestTable2);
        AssertBlock(decoder, "828785bf400a637573746f6d2d6b65790c637573746f6d2d76616c7565", Request3);
        AssertTable(decoder, RequestTable3);
    }

    [Fact]
    public void C4_requests_with_huffman()
    {
        var decoder = new HpackDecoder();
        AssertBlock(decoder, "828684418cf1e3c2e5f23a6ba0ab90f4ff", Request1);
        AssertTable(decoder, RequestTable1);
        AssertBlock(decoder, "828684be5886a8eb10649cbf", Request2);
        AssertTable(decoder, RequestTable2);
        AssertBlock(decoder, "828785bf408825a849e95ba97d7f8925a849e95bb8e8b4bf", Request3);
        AssertTable(decoder, RequestTable3);
    }

    [Fact]
    public void C5_responses_without_huffman_evict_with_a_256_octet_table()
    {
        var decoder = DecoderWithTable256();
        AssertBlock(decoder,
            "4803333032580770726976617465611d4d6f6e2c203231204f637420323031332032303a31333a323120474d54" +
            "6e1768747470733a2f2f7777772e6578616d706c652e636f6d", Response1);
        AssertTable(decoder, ResponseTable1);
        AssertBlock(decoder, "4803333037c1c0bf", Response2);
        AssertTable(decoder, ResponseTable2);
        AssertBlock(decoder,
            "88c1611d4d6f6e2c203231204f637420323031332032303a31333a323220474d54c05a04677a69707738666f6f3d" +
            "4153444a4b48514b425a584f5157454f50495541585157454f49553b206d61782d6167653d333630303b20766572" +
            "73696f6e3d31", Response3);
        AssertTable(decoder, ResponseTable3);
    }

    [Fact]
    public void C6_responses_with_huffman_evict_with_a_256_octet_table()
    {
        var decoder = DecoderWithTable256();
        AssertBlock(decoder,
            "488264025885aec3771a4b6196d07abe941054d444a8200595040b8166e082a62d1bff6e919d29ad171863c78f0b97c8e9ae82ae43d3",
            Response1);
        AssertTable(decoder, ResponseTable1);
        AssertBlock(decoder, "4883640effc1c0bf", Response2);
        AssertTable(decoder, ResponseTable2);
        AssertBlock(decoder,
            "88c16196d07abe941054d444a8200595040b8166e084a62d1bffc05a839bd9ab77ad94e7821dd7f2e6c7b335dfdfcd5b3960d5af27087f" +
            "3672c1ab270fb5291f9587316065c003ed4ee5b1063d5007", Response3);
        AssertTable(decoder, ResponseTable3);
    }

    [Fact]
    public void The_encoder_reproduces_the_huffman_request_examples()
    {
        var encoder = new HpackEncoder();
        Assert.Equal("828684418cf1e3c2e5f23a6ba0ab90f4ff", Encode(encoder, Request1));
        Assert.Equal("828684be5886a8eb10649cbf", Encode(encoder, Request2));
        Assert.Equal("828785bf408825a849e95ba97d7f8925a849e95bb8e8b4bf", Encode(encoder, Request3));
    }

    [Fact]
    public void The_encoder_reproduces_the_plain_request_examples()
    {
        var encoder = new HpackEncoder { UseHuffman = false };
        Assert.Equal("828684410f7777772e6578616d706c652e636f6d", Encode(encoder, Request1));
        Assert.Equal("828684be58086e6f2d6361636865", Encode(encoder, Request2));
        Assert.Equal("828785bf400a637573746f6d2d6b65790c637573746f6d2d76616c7565", Encode(encoder, Request3));
    }

    private static string Encode(HpackEncoder encoder, (string, string)[] fields)
    {
        var output = new System.Buffers.ArrayBufferWriter<byte>();
        encoder.WriteHeaders(fields, output);
        return Convert.ToHexStringLower(output.WrittenSpan);
    }

    /// <summary>C.5 and C.6 use a 256-octet table: the decoding side's SETTINGS_HEADER_TABLE_SIZE, applied by the encoder.</summary>
    private static HpackDecoder DecoderWithTable256()
    {
        var decoder = new HpackDecoder();
        decoder.SetSizeLimit(256);
        Assert.Empty(decoder.Decode([0x3F, 0xE1, 0x01]).Fields); // size update to 256 (31 + 225)
        Assert.Equal(256, decoder.Table.MaxSize);
        return decoder;
    }

    internal static void AssertBlock(HpackDecoder decoder, string hex, (string, string)[] expected)
    {
        var block = decoder.Decode(Convert.FromHexString(hex));
        Assert.Null(block.Error);
        Assert.False(block.HpackIncomplete);
        Assert.Equal(expected, block.Fields.Select(f => (f.Name, f.Value)).ToArray());
    }

    internal static void AssertTable(HpackDecoder decoder, (string, string, int)[] expected)
    {
        var table = decoder.Table;
        var actual = Enumerable.Range(0, table.Count).Select(i => (table[i].Name!, table[i].Value, table[i].Size)).ToArray();
        Assert.Equal(expected, actual);
        Assert.Equal(expected.Sum(e => e.Item3), table.Size);
        Assert.True(table.IsExact);
    }
}
