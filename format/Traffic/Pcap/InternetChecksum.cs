using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Capture.Traffic.Pcap;

/// <summary>
/// The Internet checksum (RFC 1071) used by IPv4 headers and TCP. Bytes are summed as native-endian
/// words, which RFC 1071 shows gives the byte-swapped sum on little-endian machines; writing the
/// result back native-endian (<see cref="Write"/>) puts it in network order on any machine.
/// </summary>
internal static class InternetChecksum
{
    /// <summary>Adds <paramref name="data"/> to a running sum; only the last span added may have an odd length.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot per packet: skip the slow tiers
    public static ulong Add(ulong sum, ReadOnlySpan<byte> data)
    {
        // 32-bit halves summed into 64 bits cannot overflow for any realistic length; folding later
        // is equivalent to one's complement addition of 16-bit words because 2^16 = 1 (mod 2^16 - 1).
        ReadOnlySpan<ulong> words = MemoryMarshal.Cast<byte, ulong>(data);
        int i = 0;
        for (; i + 4 <= words.Length; i += 4)
        {
            ulong a = words[i], b = words[i + 1], c = words[i + 2], d = words[i + 3];
            sum += (a >> 32) + (uint)a + (b >> 32) + (uint)b + (c >> 32) + (uint)c + (d >> 32) + (uint)d;
        }
        for (; i < words.Length; i++)
            sum += (words[i] >> 32) + (uint)words[i];

        ReadOnlySpan<byte> tail = data[(words.Length * sizeof(ulong))..];
        int j = 0;
        for (; j + 2 <= tail.Length; j += 2)
            sum += MemoryMarshal.Read<ushort>(tail[j..]);
        if (j < tail.Length)
            sum += BitConverter.IsLittleEndian ? tail[j] : (ulong)tail[j] << 8;
        return sum;
    }

    /// <summary>Folds a running sum to 16 bits and complements it.</summary>
    public static ushort Finish(ulong sum)
    {
        sum = (sum >> 32) + (sum & 0xFFFF_FFFF);
        sum = (sum >> 32) + (sum & 0xFFFF_FFFF);
        sum = (sum >> 16) + (sum & 0xFFFF);
        sum = (sum >> 16) + (sum & 0xFFFF);
        sum = (sum >> 16) + (sum & 0xFFFF);
        return (ushort)~sum;
    }

    /// <summary>Stores a checksum from <see cref="Finish"/> so that it reads correctly in network order.</summary>
    public static void Write(Span<byte> destination, ushort checksum) => MemoryMarshal.Write(destination, in checksum);

    public static ushort Compute(ReadOnlySpan<byte> data) => Finish(Add(0, data));
}
