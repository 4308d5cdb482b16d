using System.Buffers.Binary;

namespace Capture.Traffic.Http2.Frames;

/// <summary>The 9-octet frame header (RFC 9113 section 4.1).</summary>
internal readonly record struct Http2FrameHeader(int Length, Http2FrameType Type, byte Flags, int StreamId)
{
    public const int Size = 9;

    public bool Has(byte flag) => (Flags & flag) != 0;

    /// <summary>Reads a header; the reserved bit of the stream identifier is reported in <paramref name="reservedBit"/> and cleared.</summary>
    public static Http2FrameHeader Read(ReadOnlySpan<byte> bytes, out bool reservedBit)
    {
        int length = bytes[0] << 16 | bytes[1] << 8 | bytes[2];
        uint stream = BinaryPrimitives.ReadUInt32BigEndian(bytes[5..]);
        reservedBit = (stream & 0x8000_0000) != 0;
        return new Http2FrameHeader(length, (Http2FrameType)bytes[3], bytes[4], (int)(stream & 0x7FFF_FFFF));
    }

    public void Write(Span<byte> output)
    {
        output[0] = (byte)(Length >> 16);
        output[1] = (byte)(Length >> 8);
        output[2] = (byte)Length;
        output[3] = (byte)Type;
        output[4] = Flags;
        BinaryPrimitives.WriteUInt32BigEndian(output[5..], (uint)StreamId);
    }
}
