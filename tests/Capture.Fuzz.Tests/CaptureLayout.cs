using System.Buffers.Binary;
using Capture.Format;
using K4os.Compression.LZ4;

namespace Capture.Fuzz.Tests;

/// <summary>
/// A capture file cut into its preamble and its blocks, so mutations can work block by block, and
/// blocks re-sealed with a valid checksum around whatever records a mutation put inside.
/// </summary>
internal sealed class CaptureLayout
{
    public required byte[] Preamble { get; init; }
    public required List<byte[]> Blocks { get; init; }
    /// <summary>Bytes after the last whole block (an incomplete tail), kept as they were.</summary>
    public required byte[] Tail { get; init; }

    public static CaptureLayout Parse(byte[] file)
    {
        int headerLength = (int)BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(12));
        int position = CaptureFileLayout.FilePreambleSize + headerLength + 4;
        var blocks = new List<byte[]>();
        while (file.Length - position >= CaptureFileLayout.BlockHeaderSize)
        {
            int stored = (int)BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(position + 12));
            int end = position + CaptureFileLayout.BlockHeaderSize + stored;
            if (end > file.Length)
                break;
            blocks.Add(file[position..end]);
            position = end;
        }
        return new CaptureLayout { Preamble = file[..(CaptureFileLayout.FilePreambleSize + headerLength + 4)], Blocks = blocks, Tail = file[position..] };
    }

    public byte[] ToBytes() => [.. Preamble, .. Blocks.SelectMany(b => b), .. Tail];

    /// <summary>The decompressed records of a block (its MessagePack bytes) and its record count.</summary>
    public static (byte[] Records, int Count) Open(byte[] block)
    {
        int stored = (int)BinaryPrimitives.ReadUInt32LittleEndian(block.AsSpan(12));
        int raw = (int)BinaryPrimitives.ReadUInt32LittleEndian(block.AsSpan(16));
        int count = (int)BinaryPrimitives.ReadUInt32LittleEndian(block.AsSpan(20));
        var body = block.AsSpan(CaptureFileLayout.BlockHeaderSize, stored);
        if (block[9] == CaptureFileLayout.CodecNone || raw is < 0 or > CaptureFileLayout.MaxBlockSize)
            return (body.ToArray(), count);
        var records = new byte[raw];
        LZ4Codec.Decode(body, records);
        return (records, count);
    }

    /// <summary>A block around <paramref name="records"/> whose lengths and checksum are right, whatever the records hold.</summary>
    public static byte[] Seal(ReadOnlySpan<byte> records, uint recordCount, bool compress)
    {
        byte[] stored = records.ToArray();
        if (compress)
        {
            var buffer = new byte[LZ4Codec.MaximumOutputSize(records.Length)];
            int length = LZ4Codec.Encode(records, buffer);
            stored = buffer[..length];
        }
        var block = new byte[CaptureFileLayout.BlockHeaderSize + stored.Length];
        CaptureFileLayout.SyncMarker.CopyTo(block);
        block[8] = CaptureFileLayout.BlockKindRecords;
        block[9] = compress ? CaptureFileLayout.CodecLz4 : CaptureFileLayout.CodecNone;
        BinaryPrimitives.WriteUInt32LittleEndian(block.AsSpan(12), (uint)stored.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(block.AsSpan(16), (uint)records.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(block.AsSpan(20), recordCount);
        stored.CopyTo(block.AsSpan(CaptureFileLayout.BlockHeaderSize));
        uint crc = Crc32C.Append(Crc32C.Start, block.AsSpan(CaptureFileLayout.BlockHeaderChecksummedOffset, CaptureFileLayout.BlockHeaderChecksummedSize));
        crc = Crc32C.Finish(Crc32C.Append(crc, stored));
        BinaryPrimitives.WriteUInt32LittleEndian(block.AsSpan(24), crc);
        return block;
    }
}
