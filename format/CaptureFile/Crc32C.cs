using System.Buffers.Binary;
using System.Numerics;

namespace Capture.Format;

/// <summary>CRC-32C (Castagnoli), the checksum of headers and blocks; hardware-accelerated where the CPU has it.</summary>
internal static class Crc32C
{
    public static uint Compute(ReadOnlySpan<byte> data) => Finish(Append(Start, data));

    public const uint Start = 0xFFFFFFFFu;

    public static uint Finish(uint state) => ~state;

    public static uint Append(uint state, ReadOnlySpan<byte> data)
    {
        while (data.Length >= 8)
        {
            state = BitOperations.Crc32C(state, BinaryPrimitives.ReadUInt64LittleEndian(data));
            data = data[8..];
        }
        foreach (byte b in data)
            state = BitOperations.Crc32C(state, b);
        return state;
    }
}
