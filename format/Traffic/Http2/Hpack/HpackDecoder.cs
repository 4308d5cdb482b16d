using System.Buffers;
using Capture.Traffic.Http;

namespace Capture.Traffic.Http2.Hpack;

/// <summary>
/// HPACK decoder (RFC 7541) for one direction of one connection: header blocks must be given in the
/// order they were sent. A decoder made for a connection joined mid-way (or one that lost a header
/// block in a gap) decodes the static table, literals and the entries inserted since; a reference to
/// anything older is reported as unknown, never guessed, until every older entry is provably evicted.
/// Never throws on bad input: the block gets an <see cref="HeaderBlock.Error"/>.
/// </summary>
internal sealed class HpackDecoder
{
    /// <summary>SETTINGS_HEADER_TABLE_SIZE until the decoding side says otherwise (RFC 9113 section 6.5.2).</summary>
    public const int DefaultTableSize = 4096;

    private int _sizeLimit;
    // False while joined mid-way without having seen the decoding side's SETTINGS: the limit is then assumed.
    private bool _sizeLimitKnown;

    /// <param name="joinedMidStream">The connection was already open when recording began: older entries may exist.</param>
    public HpackDecoder(bool joinedMidStream = false)
    {
        _sizeLimit = DefaultTableSize;
        _sizeLimitKnown = !joinedMidStream;
        Table = new HpackDynamicTable(DefaultTableSize, olderEntriesMayExist: joinedMidStream);
    }

    public HpackDynamicTable Table { get; }

    /// <summary>The largest dynamic table size update this decoder accepts (SETTINGS_HEADER_TABLE_SIZE).</summary>
    public int SizeLimit => _sizeLimit;

    /// <summary>
    /// The largest table size the encoder may choose: the SETTINGS_HEADER_TABLE_SIZE sent by the decoding
    /// side (RFC 7541 section 4.2). While a change is not yet acknowledged, pass the larger of the old and new values.
    /// </summary>
    public void SetSizeLimit(int limit)
    {
        _sizeLimit = limit;
        _sizeLimitKnown = true;
        // Until an update says otherwise the encoder's maximum is only bounded by the limit.
        if (!Table.IsExact)
            Table.SetMaxSizeBound(Math.Max(limit, Table.MaxSize));
    }

    /// <summary>A header block sent on this direction was lost: the table is no longer known.</summary>
    public void LoseState()
    {
        Table.Clear(olderEntriesMayExist: true);
        Table.SetMaxSizeBound(_sizeLimit);
    }

    public HeaderBlock Decode(ReadOnlySpan<byte> block)
    {
        var result = new HeaderBlock();
        string? error = DecodeInto(block, result);
        if (error is not null)
        {
            result.Error = error;
            // A decoding error leaves the table in an unknown state (RFC 7541 section 2.3.3 makes it fatal to the connection).
            LoseState();
        }
        return result;
    }

    private string? DecodeInto(ReadOnlySpan<byte> block, HeaderBlock result)
    {
        int pos = 0;
        bool fieldSeen = false;
        while (pos < block.Length)
        {
            byte first = block[pos];
            if ((first & 0x80) != 0)
            {
                // Indexed header field (section 6.1).
                if (!HpackInteger.TryDecode(block, ref pos, 7, out int index) || index == 0)
                    return "bad indexed header field";
                if (!TryResolve(index, out string? name, out string? value, out bool unknown))
                    return $"header index {index} is outside the tables";
                if (unknown || name is null)
                    result.Unknown.Add(new HpackUnknownField(result.Fields.Count, unknown ? null : value));
                else
                    result.Fields.Add(new HttpHeader(name, value!));
                fieldSeen = true;
            }
            else if ((first & 0xE0) == 0x20)
            {
                // Dynamic table size update (section 6.3): only at the start of a block.
                if (fieldSeen)
                    return "dynamic table size update after a header field";
                if (!HpackInteger.TryDecode(block, ref pos, 5, out int size))
                    return "bad dynamic table size update";
                if (size > _sizeLimit)
                {
                    if (_sizeLimitKnown)
                        return $"dynamic table size update to {size} above the limit {_sizeLimit}";
                    _sizeLimit = size; // joined mid-way: the limit was not seen, the update shows it is at least this
                }
                Table.SetMaxSize(size);
            }
            else
            {
                // Literal with incremental indexing (0x40, 6-bit index), without indexing (0x00) or never indexed (0x10), 4-bit index.
                bool index = (first & 0xC0) == 0x40;
                int prefix = index ? 6 : 4;
                if (!HpackInteger.TryDecode(block, ref pos, prefix, out int nameIndex))
                    return "bad literal header field";
                string? name;
                int nameOctets = 0;
                bool nameUnknown = false;
                if (nameIndex == 0)
                {
                    if (!TryReadString(block, ref pos, isName: true, out name, out nameOctets))
                        return "bad header name string";
                }
                else
                {
                    if (!TryResolve(nameIndex, out name, out _, out nameUnknown))
                        return $"header name index {nameIndex} is outside the tables";
                    nameUnknown |= name is null;
                    if (!nameUnknown)
                        nameOctets = NameOctets(nameIndex, name!);
                }
                if (!TryReadString(block, ref pos, isName: false, out string? value, out int valueOctets))
                    return "bad header value string";
                if (nameUnknown)
                    result.Unknown.Add(new HpackUnknownField(result.Fields.Count, value));
                else
                    result.Fields.Add(new HttpHeader(name!, value!));
                if (index)
                {
                    // An unknown name has at least one octet: the size is then a lower bound.
                    int size = HpackEntry.Overhead + (nameUnknown ? 1 : nameOctets) + valueOctets;
                    Table.Add(new HpackEntry(nameUnknown ? null : name, value!, nameOctets, size, SizeExact: !nameUnknown));
                }
                fieldSeen = true;
            }
        }
        return null;
    }

    /// <summary>False when the index cannot be valid; <paramref name="unknown"/> when it points before what was seen.</summary>
    private bool TryResolve(int index, out string? name, out string? value, out bool unknown)
    {
        unknown = false;
        if (index <= HpackStaticTable.Count)
        {
            (name, value) = HpackStaticTable.Get(index);
            return true;
        }
        int dynamic = index - HpackStaticTable.Count - 1;
        if (dynamic < Table.Count)
        {
            var entry = Table[dynamic];
            name = entry.Name;
            value = entry.Value;
            return true;
        }
        name = value = null;
        unknown = Table.OlderEntriesMayExist;
        return unknown;
    }

    /// <summary>Octets of a name taken from a table (static names are ASCII).</summary>
    private int NameOctets(int index, string name) =>
        index > HpackStaticTable.Count ? Table[index - HpackStaticTable.Count - 1].NameOctets : name.Length;

    private static bool TryReadString(ReadOnlySpan<byte> block, ref int pos, bool isName, out string? text, out int octets)
    {
        text = null;
        octets = 0;
        if (pos >= block.Length)
            return false;
        bool huffman = (block[pos] & 0x80) != 0;
        if (!HpackInteger.TryDecode(block, ref pos, 7, out int length) || length > block.Length - pos)
            return false;
        var raw = block.Slice(pos, length);
        pos += length;
        if (!huffman)
        {
            octets = length;
            text = isName ? HeaderText.Name(raw) : HeaderText.Value(raw);
            return true;
        }
        int max = HuffmanCode.MaxDecodedLength(length);
        byte[]? rented = null;
        Span<byte> decoded = max <= 512 ? stackalloc byte[512] : (rented = ArrayPool<byte>.Shared.Rent(max));
        try
        {
            octets = HuffmanCode.Decode(raw, decoded);
            if (octets < 0)
                return false;
            var bytes = decoded[..octets];
            text = isName ? HeaderText.Name(bytes) : HeaderText.Value(bytes);
            return true;
        }
        finally
        {
            if (rented is not null)
                ArrayPool<byte>.Shared.Return(rented);
        }
    }
}
