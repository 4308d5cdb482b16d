namespace Capture.Traffic.Http2.Hpack;

/// <summary>HPACK prefix integers (RFC 7541 section 5.1), bounded so that hostile input cannot overflow.</summary>
internal static class HpackInteger
{
    /// <summary>Larger values are refused: no header block, string or table size we accept comes near it.</summary>
    public const int MaxValue = (1 << 28) - 1;

    /// <summary>
    /// Reads an integer whose first octet is <c>input[pos]</c> with an N-bit prefix; advances <paramref name="pos"/>.
    /// False when the input ends inside the integer or the value exceeds <see cref="MaxValue"/>.
    /// </summary>
    public static bool TryDecode(ReadOnlySpan<byte> input, ref int pos, int prefixBits, out int value)
    {
        value = 0;
        if (pos >= input.Length)
            return false;
        int mask = (1 << prefixBits) - 1;
        int result = input[pos++] & mask;
        if (result < mask)
        {
            value = result;
            return true;
        }
        // Continuation octets: 7 bits each, least significant first. Four of them already reach 2^28.
        for (int shift = 0; shift <= 21; shift += 7)
        {
            if (pos >= input.Length)
                return false;
            byte b = input[pos++];
            result += (b & 0x7F) << shift;
            if (result > MaxValue)
                return false;
            if ((b & 0x80) == 0)
            {
                value = result;
                return true;
            }
        }
        return false;
    }

    /// <summary>Writes <paramref name="value"/> with an N-bit prefix; <paramref name="firstByteFlags"/> are the bits above the prefix.</summary>
    public static int Encode(int value, int prefixBits, byte firstByteFlags, Span<byte> output)
    {
        int mask = (1 << prefixBits) - 1;
        if (value < mask)
        {
            output[0] = (byte)(firstByteFlags | value);
            return 1;
        }
        output[0] = (byte)(firstByteFlags | mask);
        int written = 1;
        value -= mask;
        while (value >= 0x80)
        {
            output[written++] = (byte)(value & 0x7F | 0x80);
            value >>= 7;
        }
        output[written++] = (byte)value;
        return written;
    }
}
