namespace Capture.Traffic.Http2.Hpack;

/// <summary>
/// The static Huffman code of HPACK (RFC 7541 Appendix B). The code is canonical (codes of one
/// length are consecutive, in symbol order, and shorter codes come first), so the table is kept
/// as data: the bit length of each symbol. The codes and the decoding automaton are built from it.
/// </summary>
internal static class HuffmanCode
{
    public const int EndOfString = 256;

    /// <summary>RFC 7541 Appendix B, column "len": the code length of symbols 0..255 and of EOS (256).</summary>
    private static ReadOnlySpan<byte> BitLengths =>
    [
        13, 23, 28, 28, 28, 28, 28, 28, 28, 24, 30, 28, 28, 30, 28, 28, // 0-15
        28, 28, 28, 28, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 28, // 16-31
        6, 10, 10, 12, 13, 6, 8, 11, 10, 10, 8, 11, 8, 6, 6, 6,         // ' ' .. '/'
        5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 7, 8, 15, 6, 12, 10,              // '0' .. '?'
        13, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7,                // '@' .. 'O'
        7, 7, 7, 7, 7, 7, 7, 7, 8, 7, 8, 13, 19, 13, 14, 6,             // 'P' .. '_'
        15, 5, 6, 5, 6, 5, 6, 6, 6, 5, 7, 7, 6, 6, 6, 5,                // '`' .. 'o'
        6, 7, 6, 5, 5, 6, 7, 7, 7, 7, 7, 15, 11, 14, 13, 28,            // 'p' .. 127
        20, 22, 20, 20, 22, 22, 22, 23, 22, 23, 23, 23, 23, 23, 24, 23, // 128-143
        24, 24, 22, 23, 24, 23, 23, 23, 23, 21, 22, 23, 22, 23, 23, 24, // 144-159
        22, 21, 20, 22, 22, 23, 23, 21, 23, 22, 22, 24, 21, 22, 23, 23, // 160-175
        21, 21, 22, 21, 23, 22, 23, 23, 20, 22, 22, 22, 23, 22, 22, 23, // 176-191
        26, 26, 20, 19, 22, 23, 22, 25, 26, 26, 26, 27, 27, 26, 24, 25, // 192-207
        19, 21, 26, 27, 27, 26, 27, 24, 21, 21, 26, 26, 28, 27, 27, 27, // 208-223
        20, 24, 20, 21, 22, 21, 21, 23, 22, 22, 25, 25, 24, 24, 26, 23, // 224-239
        26, 27, 26, 26, 27, 27, 27, 27, 27, 28, 27, 27, 27, 27, 27, 26, // 240-255
        30,                                                             // EOS
    ];

    /// <summary>The code of each symbol, right-aligned in <see cref="Lengths"/> bits.</summary>
    public static readonly uint[] Codes = new uint[257];
    public static readonly byte[] Lengths = BitLengths.ToArray();

    // Decoding reads 4 bits at a time (RFC codes are at least 5 bits, so a nibble completes at most one symbol).
    // State = an internal node of the code tree (0 = root). For each state and nibble: the next state,
    // the symbol completed (or -1), and whether the bits hit EOS (a decoding error).
    private static readonly byte[] NextState;
    private static readonly short[] Emitted;
    private static readonly bool[] HitsEndOfString;
    /// <summary>States that may end a string: the root, or fewer than 8 bits all set to 1 (a prefix of EOS, which is the padding).</summary>
    private static readonly bool[] MayEnd;

    static HuffmanCode()
    {
        // Canonical assignment: sort by (length, symbol), count up, shift left when the length grows.
        var order = Enumerable.Range(0, 257).OrderBy(s => Lengths[s]).ThenBy(s => s).ToArray();
        uint code = 0;
        int length = Lengths[order[0]];
        foreach (int symbol in order)
        {
            code <<= Lengths[symbol] - length;
            length = Lengths[symbol];
            Codes[symbol] = code++;
        }

        // The code tree: 256 internal nodes for 257 leaves. child[node*2+bit] >= 0 is an internal node, < 0 is ~symbol.
        var child = new int[256 * 2];
        Array.Fill(child, int.MinValue);
        var depth = new int[256];
        var allOnes = new bool[256];
        allOnes[0] = true;
        int nodes = 1;
        for (int symbol = 0; symbol < 257; symbol++)
        {
            int node = 0;
            for (int bit = Lengths[symbol] - 1; bit >= 0; bit--)
            {
                int b = (int)(Codes[symbol] >> bit) & 1;
                if (bit == 0)
                {
                    child[node * 2 + b] = ~symbol;
                    break;
                }
                if (child[node * 2 + b] == int.MinValue)
                {
                    child[node * 2 + b] = nodes;
                    depth[nodes] = depth[node] + 1;
                    allOnes[nodes] = allOnes[node] && b == 1;
                    nodes++;
                }
                node = child[node * 2 + b];
            }
        }

        NextState = new byte[256 * 16];
        Emitted = new short[256 * 16];
        HitsEndOfString = new bool[256 * 16];
        MayEnd = new bool[256];
        for (int state = 0; state < 256; state++)
        {
            MayEnd[state] = state == 0 || (allOnes[state] && depth[state] < 8);
            for (int nibble = 0; nibble < 16; nibble++)
            {
                int node = state;
                short emitted = -1;
                bool eos = false;
                for (int bit = 3; bit >= 0; bit--)
                {
                    int next = child[node * 2 + ((nibble >> bit) & 1)];
                    if (next >= 0)
                    {
                        node = next;
                        continue;
                    }
                    int symbol = ~next;
                    if (symbol == EndOfString)
                        eos = true;
                    emitted = (short)symbol;
                    node = 0;
                }
                int index = state * 16 + nibble;
                NextState[index] = (byte)node;
                Emitted[index] = emitted;
                HitsEndOfString[index] = eos;
            }
        }
    }

    /// <summary>The most bytes <paramref name="encodedLength"/> Huffman bytes can decode to (5 bits per symbol at best).</summary>
    public static int MaxDecodedLength(int encodedLength) => (int)Math.Min(int.MaxValue, (long)encodedLength * 8 / 5);

    /// <summary>Decodes into <paramref name="output"/> (at least <see cref="MaxDecodedLength"/> long); -1 when the input is not a valid HPACK Huffman string.</summary>
    public static int Decode(ReadOnlySpan<byte> input, Span<byte> output)
    {
        int state = 0;
        int written = 0;
        foreach (byte b in input)
        {
            int index = state * 16 + (b >> 4);
            if (HitsEndOfString[index])
                return -1;
            if (Emitted[index] >= 0)
                output[written++] = (byte)Emitted[index];
            state = NextState[index];

            index = state * 16 + (b & 0xF);
            if (HitsEndOfString[index])
                return -1;
            if (Emitted[index] >= 0)
                output[written++] = (byte)Emitted[index];
            state = NextState[index];
        }
        return MayEnd[state] ? written : -1;
    }

    /// <summary>Bytes the Huffman encoding of <paramref name="input"/> takes.</summary>
    public static int EncodedLength(ReadOnlySpan<byte> input)
    {
        long bits = 0;
        foreach (byte b in input)
            bits += Lengths[b];
        return (int)((bits + 7) / 8);
    }

    /// <summary>Encodes <paramref name="input"/>, padding the last byte with the most significant bits of EOS (ones).</summary>
    public static int Encode(ReadOnlySpan<byte> input, Span<byte> output)
    {
        ulong pending = 0;
        int pendingBits = 0;
        int written = 0;
        foreach (byte b in input)
        {
            pending = (pending << Lengths[b]) | Codes[b];
            pendingBits += Lengths[b];
            while (pendingBits >= 8)
            {
                pendingBits -= 8;
                output[written++] = (byte)(pending >> pendingBits);
            }
        }
        if (pendingBits > 0)
            output[written++] = (byte)((pending << (8 - pendingBits)) | (0xFFu >> pendingBits));
        return written;
    }
}
