using System.Buffers.Binary;

namespace Capture.Traffic.Tests.Pcap;

/// <summary>A strict little-endian pcapng block walker for tests: checks the framing every block must have.</summary>
internal static class PcapngBlocks
{
    public const uint SectionHeader = 0x0A0D0D0A;
    public const uint InterfaceDescription = 1;
    public const uint EnhancedPacket = 6;

    public sealed record Block(uint Type, byte[] Body);

    public static List<Block> Read(byte[] file)
    {
        var blocks = new List<Block>();
        int position = 0;
        while (position < file.Length)
        {
            Assert.True(file.Length - position >= 12, $"truncated block at {position}");
            uint type = BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(position));
            int length = (int)BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(position + 4));
            Assert.True(length % 4 == 0 && length >= 12 && position + length <= file.Length, $"bad block length {length} at {position}");
            Assert.Equal((uint)length, BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(position + length - 4)));
            blocks.Add(new Block(type, file.AsSpan(position + 8, length - 12).ToArray()));
            position += length;
        }
        return blocks;
    }

    /// <summary>Options of a block body starting at <paramref name="offset"/>: code, value.</summary>
    public static List<(ushort Code, byte[] Value)> Options(byte[] body, int offset)
    {
        var options = new List<(ushort, byte[])>();
        while (offset + 4 <= body.Length)
        {
            ushort code = BinaryPrimitives.ReadUInt16LittleEndian(body.AsSpan(offset));
            ushort length = BinaryPrimitives.ReadUInt16LittleEndian(body.AsSpan(offset + 2));
            if (code == 0)
                break;
            options.Add((code, body.AsSpan(offset + 4, length).ToArray()));
            offset += 4 + ((length + 3) & ~3);
        }
        return options;
    }
}
