using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Text;

namespace Capture.Traffic.Pcap;

/// <summary>
/// Writes pcapng blocks (draft-ietf-opsawg-pcapng): one section header, interface descriptions and
/// enhanced packet blocks, little-endian. Knows nothing about what the packets contain.
/// </summary>
internal sealed class PcapngWriter : IDisposable
{
    private const uint SectionHeaderBlockType = 0x0A0D0D0A;
    private const uint InterfaceDescriptionBlockType = 0x00000001;
    private const uint EnhancedPacketBlockType = 0x00000006;
    private const uint ByteOrderMagic = 0x1A2B3C4D;

    private const ushort OptEndOfOptions = 0;
    private const ushort OptComment = 1;
    private const ushort ShbHardware = 2;
    private const ushort ShbOs = 3;
    private const ushort ShbUserApplication = 4;
    private const ushort IfName = 2;
    private const ushort IfDescription = 3;
    private const ushort IfTimestampResolution = 9;

    /// <summary>Fixed part of an EPB before the packet bytes: type, length, interface, 2 x timestamp, 2 x lengths.</summary>
    private const int EnhancedPacketHeaderLength = 28;

    private readonly Stream _output;
    private readonly bool _leaveOpen;
    // Blocks are assembled in place here and handed to the stream in large writes: per-packet
    // stream calls cost more than the packet bytes themselves.
    private readonly byte[] _buffer = new byte[1 << 20];
    private int _used;

    public PcapngWriter(Stream output, bool leaveOpen = false)
    {
        _output = output;
        _leaveOpen = leaveOpen;
    }

    public void WriteSectionHeader(string? hardware, string? operatingSystem, string? application, string? comment)
    {
        var block = new BlockBuilder(SectionHeaderBlockType);
        block.UInt32(ByteOrderMagic);
        block.UInt16(1); // major version
        block.UInt16(0); // minor version
        block.UInt64(ulong.MaxValue); // section length unknown: we stream
        block.StringOption(OptComment, comment);
        block.StringOption(ShbHardware, hardware);
        block.StringOption(ShbOs, operatingSystem);
        block.StringOption(ShbUserApplication, application);
        block.EndOptions();
        Append(block.Finish());
    }

    /// <summary>Describes interface number N (N = call order) with nanosecond timestamps.</summary>
    public void WriteInterfaceDescription(ushort linkType, string? name, string? description)
    {
        var block = new BlockBuilder(InterfaceDescriptionBlockType);
        block.UInt16(linkType);
        block.UInt16(0); // reserved
        block.UInt32(0); // snap length 0: no limit
        block.StringOption(IfName, name);
        block.StringOption(IfDescription, description);
        block.Option(IfTimestampResolution, [9]); // 10^-9 s units
        block.EndOptions();
        Append(block.Finish());
    }

    /// <summary>
    /// Writes one packet whose bytes are <paramref name="headers"/> followed by <paramref name="payload"/>,
    /// with an optional comment made of <paramref name="comment"/> followed by <paramref name="commentSuffix"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot per packet: skip the slow tiers
    public void WriteEnhancedPacket(
        uint interfaceId,
        ulong timestampNs,
        ReadOnlySpan<byte> headers,
        ReadOnlySpan<byte> payload,
        ReadOnlySpan<byte> comment,
        ReadOnlySpan<byte> commentSuffix = default)
    {
        int packetLength = headers.Length + payload.Length;
        int packetPadding = Pad4(packetLength) - packetLength;
        int commentLength = comment.Length + commentSuffix.Length;
        int optionsLength = commentLength == 0 ? 0 : 4 + Pad4(commentLength) + 4;
        int blockLength = EnhancedPacketHeaderLength + packetLength + packetPadding + optionsLength + 4;

        if (blockLength > _buffer.Length - _used)
        {
            FlushBuffer();
            if (blockLength > _buffer.Length)
                throw new ArgumentException($"A packet block of {blockLength} bytes is larger than the write buffer.", nameof(commentSuffix));
        }
        Span<byte> block = _buffer.AsSpan(_used, blockLength);
        _used += blockLength;

        BinaryPrimitives.WriteUInt32LittleEndian(block, EnhancedPacketBlockType);
        BinaryPrimitives.WriteUInt32LittleEndian(block[4..], (uint)blockLength);
        BinaryPrimitives.WriteUInt32LittleEndian(block[8..], interfaceId);
        BinaryPrimitives.WriteUInt32LittleEndian(block[12..], (uint)(timestampNs >> 32));
        BinaryPrimitives.WriteUInt32LittleEndian(block[16..], (uint)timestampNs);
        BinaryPrimitives.WriteUInt32LittleEndian(block[20..], (uint)packetLength);
        BinaryPrimitives.WriteUInt32LittleEndian(block[24..], (uint)packetLength);
        int n = EnhancedPacketHeaderLength;
        headers.CopyTo(block[n..]);
        n += headers.Length;
        payload.CopyTo(block[n..]);
        n += payload.Length;
        block.Slice(n, packetPadding).Clear();
        n += packetPadding;
        if (commentLength > 0)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(block[n..], OptComment);
            BinaryPrimitives.WriteUInt16LittleEndian(block[(n + 2)..], (ushort)commentLength);
            n += 4;
            comment.CopyTo(block[n..]);
            commentSuffix.CopyTo(block[(n + comment.Length)..]);
            int padded = Pad4(commentLength);
            block.Slice(n + commentLength, padded - commentLength).Clear();
            n += padded;
            BinaryPrimitives.WriteUInt32LittleEndian(block[n..], OptEndOfOptions); // end-of-options, length 0
            n += 4;
        }
        BinaryPrimitives.WriteUInt32LittleEndian(block[n..], (uint)blockLength);
    }

    public void Flush()
    {
        FlushBuffer();
        _output.Flush();
    }

    public void Dispose()
    {
        FlushBuffer();
        if (!_leaveOpen)
            _output.Dispose();
    }

    private void Append(ReadOnlySpan<byte> block)
    {
        if (block.Length > _buffer.Length - _used)
            FlushBuffer();
        block.CopyTo(_buffer.AsSpan(_used));
        _used += block.Length;
    }

    private void FlushBuffer()
    {
        if (_used == 0)
            return;
        _output.Write(_buffer, 0, _used);
        _used = 0;
    }



    private static int Pad4(int length) => (length + 3) & ~3;

    /// <summary>Assembles a small block (section header, interface) with its options and both length fields.</summary>
    private ref struct BlockBuilder
    {
        private readonly byte[] _buffer;
        private int _length;

        public BlockBuilder(uint blockType)
        {
            _buffer = new byte[2048];
            BinaryPrimitives.WriteUInt32LittleEndian(_buffer, blockType);
            _length = 8; // type + length, length filled by Finish
        }

        public void UInt16(ushort value) { BinaryPrimitives.WriteUInt16LittleEndian(_buffer.AsSpan(_length), value); _length += 2; }
        public void UInt32(uint value) { BinaryPrimitives.WriteUInt32LittleEndian(_buffer.AsSpan(_length), value); _length += 4; }
        public void UInt64(ulong value) { BinaryPrimitives.WriteUInt64LittleEndian(_buffer.AsSpan(_length), value); _length += 8; }

        public void StringOption(ushort code, string? value)
        {
            if (string.IsNullOrEmpty(value))
                return;
            byte[] utf8 = Encoding.UTF8.GetBytes(value);
            // Keep small blocks small: a very long host or kernel string is cut, not an error.
            Option(code, utf8.AsSpan(0, Math.Min(utf8.Length, 256)));
        }

        public void Option(ushort code, ReadOnlySpan<byte> value)
        {
            UInt16(code);
            UInt16((ushort)value.Length);
            value.CopyTo(_buffer.AsSpan(_length));
            int padded = Pad4(value.Length);
            _buffer.AsSpan(_length + value.Length, padded - value.Length).Clear();
            _length += padded;
        }

        public void EndOptions() => UInt32(0);

        public ReadOnlySpan<byte> Finish()
        {
            int total = _length + 4;
            BinaryPrimitives.WriteUInt32LittleEndian(_buffer.AsSpan(4), (uint)total);
            BinaryPrimitives.WriteUInt32LittleEndian(_buffer.AsSpan(_length), (uint)total);
            return _buffer.AsSpan(0, total);
        }
    }
}
