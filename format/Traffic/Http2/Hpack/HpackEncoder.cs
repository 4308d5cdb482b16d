using System.Buffers;
using System.Text;

namespace Capture.Traffic.Http2.Hpack;

/// <summary>How a literal header field is represented (RFC 7541 section 6.2).</summary>
internal enum HpackIndexing
{
    /// <summary>Literal with incremental indexing: the field is added to the dynamic table.</summary>
    Incremental,
    /// <summary>Literal without indexing.</summary>
    None,
    /// <summary>Literal never indexed (intermediaries must keep it a literal: secrets).</summary>
    Never,
}

/// <summary>
/// A small HPACK encoder, to synthesize HTTP/2 traffic (tests, benchmarks, fixtures). Exact matches
/// in the tables are sent as indexed fields; anything else as a literal with incremental indexing,
/// its name indexed when a table has it. Names and values are taken as UTF-8.
/// </summary>
internal sealed class HpackEncoder
{
    private readonly HpackDynamicTable _table;

    public HpackEncoder(int maxTableSize = HpackDecoder.DefaultTableSize)
    {
        _table = new HpackDynamicTable(maxTableSize, olderEntriesMayExist: false);
    }

    /// <summary>Huffman-code string literals when that makes them shorter.</summary>
    public bool UseHuffman { get; set; } = true;

    public HpackDynamicTable Table => _table;

    /// <summary>Emits a dynamic table size update (only valid at the start of a header block).</summary>
    public void WriteSizeUpdate(int maxSize, IBufferWriter<byte> output)
    {
        _table.SetMaxSize(maxSize);
        Advance(output, HpackInteger.Encode(maxSize, 5, 0x20, output.GetSpan(8)));
    }

    /// <summary>Encodes a whole header list with the default policy.</summary>
    public void WriteHeaders(IEnumerable<(string Name, string Value)> fields, IBufferWriter<byte> output)
    {
        foreach (var (name, value) in fields)
            WriteField(name, value, output);
    }

    /// <summary>One field: indexed when a table holds it exactly, else a literal with incremental indexing.</summary>
    public void WriteField(string name, string value, IBufferWriter<byte> output)
    {
        int index = Find(name, value, out bool exact);
        if (exact)
            WriteIndexed(index, output);
        else
            WriteLiteral(name, value, HpackIndexing.Incremental, output, index);
    }

    /// <summary>An indexed field (index 1..61 static, 62.. dynamic, newest first).</summary>
    public void WriteIndexed(int index, IBufferWriter<byte> output) =>
        Advance(output, HpackInteger.Encode(index, 7, 0x80, output.GetSpan(8)));

    /// <summary>A literal field; <paramref name="nameIndex"/> &gt; 0 sends the name as that table index.</summary>
    public void WriteLiteral(string name, string value, HpackIndexing indexing, IBufferWriter<byte> output, int nameIndex = 0)
    {
        (int prefix, byte flags) = indexing switch
        {
            HpackIndexing.Incremental => (6, (byte)0x40),
            HpackIndexing.Never => (4, (byte)0x10),
            _ => (4, (byte)0x00),
        };
        Advance(output, HpackInteger.Encode(nameIndex, prefix, flags, output.GetSpan(8)));
        if (nameIndex == 0)
            WriteString(name, output);
        WriteString(value, output);
        if (indexing == HpackIndexing.Incremental)
        {
            int nameOctets = Encoding.UTF8.GetByteCount(name);
            int size = HpackEntry.Overhead + nameOctets + Encoding.UTF8.GetByteCount(value);
            _table.Add(new HpackEntry(name, value, nameOctets, size, SizeExact: true));
        }
    }

    /// <summary>The index of an exact match (then <paramref name="exact"/>), else of a name match, else 0.</summary>
    public int Find(string name, string value, out bool exact)
    {
        int staticIndex = HpackStaticTable.Find(name, value, out exact);
        if (exact)
            return staticIndex;
        int nameIndex = staticIndex;
        for (int i = 0; i < _table.Count; i++)
        {
            var entry = _table[i];
            if (!string.Equals(entry.Name, name, StringComparison.Ordinal))
                continue;
            if (string.Equals(entry.Value, value, StringComparison.Ordinal))
            {
                exact = true;
                return HpackStaticTable.Count + 1 + i;
            }
            if (nameIndex == 0)
                nameIndex = HpackStaticTable.Count + 1 + i;
        }
        return nameIndex;
    }

    private void WriteString(string text, IBufferWriter<byte> output)
    {
        byte[] raw = Encoding.UTF8.GetBytes(text);
        int huffmanLength = HuffmanCode.EncodedLength(raw);
        if (UseHuffman && huffmanLength < raw.Length)
        {
            var span = output.GetSpan(8 + huffmanLength);
            int n = HpackInteger.Encode(huffmanLength, 7, 0x80, span);
            n += HuffmanCode.Encode(raw, span[n..]);
            output.Advance(n);
        }
        else
        {
            var span = output.GetSpan(8 + raw.Length);
            int n = HpackInteger.Encode(raw.Length, 7, 0x00, span);
            raw.CopyTo(span[n..]);
            output.Advance(n + raw.Length);
        }
    }

    private static void Advance(IBufferWriter<byte> output, int written) => output.Advance(written);
}
