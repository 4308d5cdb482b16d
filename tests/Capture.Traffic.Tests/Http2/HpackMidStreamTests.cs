using System.Buffers;
using Capture.Traffic.Http2.Hpack;

namespace Capture.Traffic.Tests.Http2;

/// <summary>
/// A decoder joined mid-way (recording began on an open connection whose encoder table was warm):
/// it decodes what it saw inserted, marks what is older, never guesses, and becomes exact once the
/// entries seen leave no room for an older one.
/// </summary>
public sealed class HpackMidStreamTests
{
    private readonly HpackEncoder _encoder = new() { UseHuffman = false };
    private readonly ArrayBufferWriter<byte> _output = new();

    private byte[] Block(Action<HpackEncoder, IBufferWriter<byte>> write)
    {
        _output.Clear();
        write(_encoder, _output);
        return _output.WrittenSpan.ToArray();
    }

    [Fact]
    public void Static_literals_and_entries_inserted_since_joining_decode_older_ones_are_marked()
    {
        // Before recording: the encoder's table holds x-old.
        Block((e, o) => e.WriteField("x-old", "before", o));
        var decoder = new HpackDecoder(joinedMidStream: true);

        var block = decoder.Decode(Block((e, o) =>
        {
            e.WriteIndexed(2, o);                                   // :method GET (static)
            e.WriteLiteral("x-new", "after", HpackIndexing.Incremental, o); // inserted: now 62, x-old is 63
            e.WriteIndexed(62, o);                                  // x-new (seen)
            e.WriteIndexed(63, o);                                  // x-old (older than the recording)
            e.WriteLiteral("ignored", "v", HpackIndexing.None, o, nameIndex: 63); // name from x-old, value literal
        }));

        Assert.Null(block.Error);
        Assert.Equal([(":method", "GET"), ("x-new", "after"), ("x-new", "after")], block.Fields.Select(f => (f.Name, f.Value)));
        Assert.True(block.HpackIncomplete);
        Assert.Equal([new HpackUnknownField(3, null), new HpackUnknownField(3, "v")], block.Unknown);
        Assert.False(decoder.Table.IsExact);
    }

    [Fact]
    public void Decoding_is_exact_again_exactly_when_the_entries_seen_fill_the_table()
    {
        // Before recording: one 40-octet entry (32 + 5 + 3).
        Block((e, o) => e.WriteField("x-old", "abc", o));
        var decoder = new HpackDecoder(joinedMidStream: true);

        // 100-octet entries: 32 + "x-nn" (4) + 64 octets of value.
        string Value(int i) => i.ToString("D64");
        for (int i = 0; i < 40; i++)
        {
            int n = i;
            var inserted = decoder.Decode(Block((e, o) => e.WriteLiteral($"x-{n:D2}", Value(n), HpackIndexing.Incremental, o)));
            Assert.False(inserted.HpackIncomplete);
        }
        // 40 entries = 4000 octets: the 40-octet old entry still fits in 4096, so the encoder still has it at index 62 + 40.
        Assert.Equal(102, _encoder.Find("x-old", "abc", out bool stillThere));
        Assert.True(stillThere);
        Assert.False(decoder.Table.IsExact);
        var before = decoder.Decode(Block((e, o) => e.WriteIndexed(102, o)));
        Assert.Null(before.Error);
        Assert.Equal([new HpackUnknownField(0, null)], before.Unknown);

        // One more: 4100 octets cannot fit with anything older, so every older entry is gone (and x-00 too).
        decoder.Decode(Block((e, o) => e.WriteLiteral("x-40", Value(40), HpackIndexing.Incremental, o)));
        Assert.Equal(0, _encoder.Find("x-old", "abc", out _));
        Assert.True(decoder.Table.IsExact);
        Assert.Equal(_encoder.Table.Count, decoder.Table.Count);
        Assert.Equal(_encoder.Table.Size, decoder.Table.Size);

        // Exact again: every index the encoder can send decodes, and one past the table is an error, not "unknown".
        var all = decoder.Decode(Block((e, o) =>
        {
            for (int index = 62; index < 62 + e.Table.Count; index++)
                e.WriteIndexed(index, o);
        }));
        Assert.Null(all.Error);
        Assert.False(all.HpackIncomplete);
        Assert.Equal(Enumerable.Range(1, 40).Reverse().Select(i => ($"x-{i:D2}", Value(i))), all.Fields.Select(f => (f.Name, f.Value)));
        Assert.NotNull(decoder.Decode(Block((e, o) => e.WriteIndexed(62 + 40, o))).Error);
    }

    [Fact]
    public void A_size_update_seen_mid_stream_makes_the_maximum_exact_and_can_prove_older_entries_gone()
    {
        Block((e, o) => e.WriteField("x-old", "abc", o));
        var decoder = new HpackDecoder(joinedMidStream: true);
        decoder.Decode(Block((e, o) => e.WriteLiteral("x-1", new string('a', 40), HpackIndexing.Incremental, o))); // 75 octets
        Assert.False(decoder.Table.IsExact);
        // The encoder shrinks its table to 100: x-1 (75) leaves 25 octets, too few for any entry.
        var block = decoder.Decode(Block((e, o) => { e.WriteSizeUpdate(100, o); e.WriteIndexed(62, o); }));
        Assert.Null(block.Error);
        Assert.Equal(100, decoder.Table.MaxSize);
        Assert.True(decoder.Table.IsExact);
        Assert.Equal([("x-1", new string('a', 40))], block.Fields.Select(f => (f.Name, f.Value)));
    }

    [Fact]
    public void Entries_inserted_with_an_unknown_name_keep_the_table_inexact_until_evicted()
    {
        Block((e, o) => e.WriteField("x-old", "abc", o));
        var decoder = new HpackDecoder(joinedMidStream: true);
        // Literal with incremental indexing whose name is the old entry (index 62 before insertion).
        var block = decoder.Decode(Block((e, o) => e.WriteLiteral("x-old", "new", HpackIndexing.Incremental, o, nameIndex: 62)));
        Assert.Equal([new HpackUnknownField(0, "new")], block.Unknown);
        Assert.Equal(1, decoder.Table.Count);
        Assert.Null(decoder.Table[0].Name);
        // Referencing it gives the value but not the name: still unknown, never guessed.
        var again = decoder.Decode(Block((e, o) => e.WriteIndexed(62, o)));
        Assert.Equal([new HpackUnknownField(0, "new")], again.Unknown);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void Random_traffic_joined_at_any_point_never_decodes_a_wrong_field(int seed)
    {
        var random = new Random(seed);
        var encoder = new HpackEncoder { UseHuffman = seed % 2 == 0 };
        var output = new ArrayBufferWriter<byte>();
        string[] names = ["x-a", "x-b", "user-agent", "cookie", "x-trace", "content-type", ":path"];
        int joinAt = random.Next(5, 40);
        HpackDecoder? decoder = null;
        bool wasExact = false;
        for (int blockNo = 0; blockNo < 300; blockNo++)
        {
            if (blockNo == joinAt)
                decoder = new HpackDecoder(joinedMidStream: true);
            output.Clear();
            var sent = new List<(string, string)>();
            if (random.Next(20) == 0)
                encoder.WriteSizeUpdate(random.Next(0, 4097), output);
            int fields = random.Next(1, 8);
            for (int f = 0; f < fields; f++)
            {
                string name = names[random.Next(names.Length)];
                string value = random.Next(4) == 0 ? new string('v', random.Next(0, 300)) : $"value-{random.Next(0, 30)}";
                if (random.Next(3) == 0 && encoder.Table.Count > 0)
                {
                    int index = 62 + random.Next(encoder.Table.Count);
                    var entry = encoder.Table[index - 62];
                    encoder.WriteIndexed(index, output);
                    sent.Add((entry.Name!, entry.Value));
                }
                else
                {
                    encoder.WriteField(name, value, output);
                    sent.Add((name, value));
                }
            }
            if (decoder is null)
                continue;
            var block = decoder.Decode(output.WrittenSpan);
            Assert.Null(block.Error);
            // Known fields are exactly what was sent at their positions; unknown ones are only marked.
            var known = sent.ToList();
            // The j-th unknown field sits at Position + j in what was sent (Position counts known fields only).
            for (int j = block.Unknown.Count - 1; j >= 0; j--)
            {
                int at = block.Unknown[j].Position + j;
                if (block.Unknown[j].Value is { } value)
                    Assert.Equal(sent[at].Item2, value);
                known.RemoveAt(at);
            }
            Assert.Equal(known, block.Fields.Select(f => (f.Name, f.Value)));
            if (wasExact)
                Assert.False(block.HpackIncomplete);
            wasExact |= decoder.Table.IsExact;
        }
        Assert.True(wasExact, "300 blocks of traffic should have proved every older entry gone");
    }
}
