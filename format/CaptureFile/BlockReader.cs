using System.Buffers;
using System.Buffers.Binary;
using K4os.Compression.LZ4;

namespace Capture.Format;

/// <summary>
/// Finds, checks and decompresses blocks. A block that fails its checksum is counted and skipped by
/// scanning for the next sync marker; a block that runs past the end of the file is an incomplete tail,
/// unless a valid block follows it (then its length field was corrupt). A file preamble where a block
/// was expected starts a new segment (captures joined with cat): see <see cref="TakeNewSegment"/>.
/// </summary>
internal sealed class BlockReader(Stream stream, CaptureReadStats stats, string displayName) : IDisposable
{
    private byte[] _stored = [];
    private byte[] _raw = [];

    /// <summary>Where the next block is expected; the reader can resume here when the file grows.</summary>
    public long Position { get; private set; } = stream.Position;

    private CaptureHeader? _newSegment;

    /// <summary>The header of a segment that began before the block just returned, once; null when none did.</summary>
    public CaptureHeader? TakeNewSegment()
    {
        var header = _newSegment;
        _newSegment = null;
        return header;
    }

    /// <summary>Reads the next good block into a buffer valid until the next call; false at the end of the readable data.</summary>
    public bool TryReadNext(out ReadOnlyMemory<byte> records, out uint recordCount)
    {
        stats.IncompleteTailBytes = 0;
        while (true)
        {
            records = default;
            recordCount = 0;
            long start = Position;
            long length = stream.Length;
            if (length - start < CaptureFileLayout.BlockHeaderSize)
            {
                stats.IncompleteTailBytes = Math.Max(0, length - start);
                return false;
            }

            Span<byte> header = stackalloc byte[CaptureFileLayout.BlockHeaderSize];
            stream.Position = start;
            stream.ReadExactly(header);
            if (header[..8].SequenceEqual(CaptureFileLayout.Magic) && TryReadSegmentHeader(start))
                continue;
            if (!header[..8].SequenceEqual(CaptureFileLayout.SyncMarker))
            {
                if (!SkipToNextMarker(start + 1, countCorrupt: true))
                    return false;
                continue;
            }

            uint storedLength = BinaryPrimitives.ReadUInt32LittleEndian(header[12..]);
            uint rawLength = BinaryPrimitives.ReadUInt32LittleEndian(header[16..]);
            if (storedLength > CaptureFileLayout.MaxBlockSize || rawLength > CaptureFileLayout.MaxBlockSize)
            {
                if (!SkipToNextMarker(start + 1, countCorrupt: true))
                    return false;
                continue;
            }

            long end = start + CaptureFileLayout.BlockHeaderSize + storedLength;
            if (end > length)
            {
                // Torn tail, or a corrupt length: only a later valid block tells them apart.
                if (!SkipToNextMarker(start + 1, countCorrupt: true))
                {
                    stats.CorruptBlocks--; // it was the tail after all
                    stats.IncompleteTailBytes = length - start;
                    Position = start;
                    return false;
                }
                continue;
            }

            EnsureCapacity(ref _stored, (int)storedLength);
            stream.ReadExactly(_stored, 0, (int)storedLength);
            if (!ChecksumMatches(header, _stored.AsSpan(0, (int)storedLength))
                || !TryDecode(header, (int)storedLength, (int)rawLength, out records))
            {
                if (!SkipToNextMarker(start + 1, countCorrupt: true))
                    return false;
                continue;
            }

            Position = end;
            recordCount = BinaryPrimitives.ReadUInt32LittleEndian(header[20..]);
            stats.Blocks++;
            if (header[8] != CaptureFileLayout.BlockKindRecords)
                continue; // a block kind from a newer minor version
            return true;
        }
    }

    /// <summary>A second capture's preamble (files joined with cat): its header starts a new segment.</summary>
    private bool TryReadSegmentHeader(long start)
    {
        stream.Position = start;
        try
        {
            _newSegment = HeaderCodec.Decode(stream, displayName);
        }
        catch (CaptureFormatException)
        {
            return false; // not a readable header after all: handled as a corrupt block
        }
        Position = stream.Position;
        stats.Segments++;
        stats.CleanClose = false; // a trailer speaks for its own segment only
        return true;
    }

    private static bool ChecksumMatches(ReadOnlySpan<byte> header, ReadOnlySpan<byte> stored)
    {
        uint crc = Crc32C.Append(Crc32C.Start, header.Slice(CaptureFileLayout.BlockHeaderChecksummedOffset, CaptureFileLayout.BlockHeaderChecksummedSize));
        crc = Crc32C.Finish(Crc32C.Append(crc, stored));
        return crc == BinaryPrimitives.ReadUInt32LittleEndian(header[24..]);
    }

    private bool TryDecode(ReadOnlySpan<byte> header, int storedLength, int rawLength, out ReadOnlyMemory<byte> records)
    {
        records = default;
        switch (header[9])
        {
            case CaptureFileLayout.CodecNone when storedLength == rawLength:
                records = _stored.AsMemory(0, storedLength);
                return true;
            case CaptureFileLayout.CodecLz4:
                EnsureCapacity(ref _raw, rawLength);
                int decoded = LZ4Codec.Decode(_stored.AsSpan(0, storedLength), _raw.AsSpan(0, rawLength));
                records = _raw.AsMemory(0, rawLength);
                return decoded == rawLength;
            default:
                return false;
        }
    }

    /// <summary>Moves <see cref="Position"/> to the next sync marker (or file preamble) at or after <paramref name="from"/>.</summary>
    private bool SkipToNextMarker(long from, bool countCorrupt)
    {
        if (countCorrupt)
            stats.CorruptBlocks++;
        ReadOnlySpan<byte> marker = CaptureFileLayout.SyncMarker;
        byte[] window = ArrayPool<byte>.Shared.Rent(64 << 10);
        try
        {
            long scan = from;
            stream.Position = scan;
            while (true)
            {
                int read = stream.ReadAtLeast(window, window.Length, throwOnEndOfStream: false);
                if (read < marker.Length)
                    break;
                int hit = FirstOf(window.AsSpan(0, read), marker, CaptureFileLayout.Magic);
                if (hit >= 0)
                {
                    stats.SkippedBytes += scan + hit - Position;
                    Position = scan + hit;
                    return true;
                }
                // Keep the last bytes: a marker may straddle two windows.
                scan += read - (marker.Length - 1);
                stream.Position = scan;
                if (read < window.Length)
                    break;
            }
            return false;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(window);
        }
    }

    private static int FirstOf(ReadOnlySpan<byte> data, ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        int ia = data.IndexOf(a), ib = data.IndexOf(b);
        return ia < 0 ? ib : ib < 0 ? ia : Math.Min(ia, ib);
    }

    private static void EnsureCapacity(ref byte[] buffer, int size)
    {
        if (buffer.Length >= size)
            return;
        if (buffer.Length > 0)
            ArrayPool<byte>.Shared.Return(buffer);
        buffer = ArrayPool<byte>.Shared.Rent(size);
    }

    public void Dispose()
    {
        if (_stored.Length > 0)
            ArrayPool<byte>.Shared.Return(_stored);
        if (_raw.Length > 0)
            ArrayPool<byte>.Shared.Return(_raw);
        _stored = _raw = [];
    }
}
