namespace Capture.Format;

/// <summary>Byte-level constants of the capture file; docs/capture-format.md is the normative description.</summary>
internal static class CaptureFileLayout
{
    /// <summary>"\x89TCAP\r\n\x1a": the high byte catches 7-bit transfers and CR/LF catches newline mangling, as PNG does.</summary>
    public static ReadOnlySpan<byte> Magic => [0x89, (byte)'T', (byte)'C', (byte)'A', (byte)'P', 0x0D, 0x0A, 0x1A];

    /// <summary>Starts every block, so a reader can find the next block after a corrupt one.</summary>
    public static ReadOnlySpan<byte> SyncMarker => [0xD3, 0x7A, 0x1C, 0xF0, 0x5B, 0x9E, 0x42, 0xA6];

    /// <summary>magic(8) + major(2) + minor(2) + header length(4).</summary>
    public const int FilePreambleSize = 16;

    /// <summary>sync(8) + kind(1) + codec(1) + reserved(2) + stored length(4) + raw length(4) + record count(4) + crc(4).</summary>
    public const int BlockHeaderSize = 28;

    /// <summary>The part of the block header the checksum covers: kind through record count.</summary>
    public const int BlockHeaderChecksummedOffset = 8;
    public const int BlockHeaderChecksummedSize = 16;

    /// <summary>Upper bounds that keep a corrupt length field from making a reader allocate gigabytes.</summary>
    public const int MaxHeaderSize = 1 << 20;
    public const int MaxBlockSize = 64 << 20;

    public const byte BlockKindRecords = 1;
    public const byte CodecNone = 0;
    public const byte CodecLz4 = 1;
}
