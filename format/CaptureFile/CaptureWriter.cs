using System.Buffers;
using System.Buffers.Binary;
using Capture.Format.Records;
using K4os.Compression.LZ4;
using MessagePack;

namespace Capture.Format;

/// <summary>
/// Appends records to a capture file in self-delimiting, checksummed, LZ4-compressed blocks.
/// A block reaches the file in one write, so a reader after a crash sees every earlier block intact.
/// Not thread-safe: one thread writes.
/// </summary>
public sealed class CaptureWriter : IDisposable
{
    private readonly Stream _stream;
    private readonly CaptureWriterOptions _options;
    private readonly ArrayBufferWriter<byte> _pending;
    private byte[] _blockBuffer = [];
    private int _pendingRecords;
    private bool _completed;

    public CaptureTotals Totals { get; } = new();

    /// <summary>Bytes handed to the stream so far (header and whole blocks).</summary>
    public long BytesWritten { get; private set; }

    /// <summary>Bytes of records waiting for the next block.</summary>
    public int PendingBytes => _pending.WrittenCount;

    public CaptureWriter(Stream stream, CaptureHeader header, CaptureWriterOptions? options = null)
    {
        _stream = stream;
        _options = options ?? new CaptureWriterOptions();
        _pending = new ArrayBufferWriter<byte>(_options.BlockSize + (64 << 10));
        byte[] preamble = HeaderCodec.Encode(header);
        _stream.Write(preamble);
        _stream.Flush();
        BytesWritten = preamble.Length;
    }

    /// <summary>Creates (or replaces) the file, readable by its owner only: captures hold secrets.</summary>
    public static CaptureWriter Create(string path, CaptureHeader header, CaptureWriterOptions? options = null)
    {
        var fileOptions = new FileStreamOptions
        {
            Mode = FileMode.Create,
            Access = FileAccess.Write,
            Share = FileShare.Read,
            BufferSize = 0, // whole blocks are written at once; a second buffer would only delay them
        };
        if (!OperatingSystem.IsWindows())
            fileOptions.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        var stream = new FileStream(path, fileOptions);
        try
        {
            return new CaptureWriter(stream, header, options);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    public void Write(CaptureRecord record)
    {
        if (_completed)
            throw new InvalidOperationException("The capture is complete; no more records can be written.");
        var w = new MessagePackWriter(_pending);
        RecordEncoder.Write(ref w, record);
        w.Flush();
        _pendingRecords++;
        Count(record);
        if (_pending.WrittenCount >= _options.BlockSize)
            WriteBlock();
    }

    /// <summary>Writes the pending records as a block and pushes it to the OS; with <paramref name="durable"/>, to the disk.</summary>
    public void Flush(bool durable = false)
    {
        WriteBlock();
        if (durable && _stream is FileStream file)
            file.Flush(flushToDisk: true);
        else
            _stream.Flush();
    }

    /// <summary>Ends a clean recording now; see <see cref="Complete(ulong)"/>.</summary>
    public void Complete() => Complete(MonotonicClock.NowNs);

    /// <summary>Ends a clean recording: appends the trailer with the totals and flushes it to disk.</summary>
    public void Complete(ulong timestampNs)
    {
        if (_completed)
            return;
        Write(new TrailerRecord(timestampNs, Totals.Records + 1, Totals.Connections, Totals.DataEvents,
            Totals.DataBytes, Totals.LostEvents, Totals.LostBytes));
        Flush(durable: true);
        _completed = true;
    }

    public void Dispose()
    {
        if (!_completed)
            WriteBlock();
        _stream.Dispose();
    }

    private void Count(CaptureRecord record)
    {
        Totals.Records++;
        switch (record)
        {
            case DataRecord d:
                Totals.DataEvents++;
                Totals.DataBytes += (ulong)d.Payload.Length;
                break;
            case ConnectionOpenedRecord:
                Totals.Connections++;
                break;
            case LossRecord l:
                Totals.LostEvents += l.LostEvents;
                Totals.LostBytes += l.LostBytes;
                break;
        }
    }

    private void WriteBlock()
    {
        if (_pendingRecords == 0)
            return;
        ReadOnlySpan<byte> raw = _pending.WrittenSpan;
        int header = CaptureFileLayout.BlockHeaderSize;
        int capacity = header + Math.Max(raw.Length, LZ4Codec.MaximumOutputSize(raw.Length));
        if (_blockBuffer.Length < capacity)
        {
            if (_blockBuffer.Length > 0)
                ArrayPool<byte>.Shared.Return(_blockBuffer);
            _blockBuffer = ArrayPool<byte>.Shared.Rent(capacity);
        }

        Span<byte> block = _blockBuffer;
        byte codec = CaptureFileLayout.CodecNone;
        int stored = -1;
        if (_options.Compress)
            stored = LZ4Codec.Encode(raw, block[header..], LZ4Level.L00_FAST);
        if (stored > 0 && stored < raw.Length)
            codec = CaptureFileLayout.CodecLz4;
        else
        {
            raw.CopyTo(block[header..]);
            stored = raw.Length;
        }

        CaptureFileLayout.SyncMarker.CopyTo(block);
        block[8] = CaptureFileLayout.BlockKindRecords;
        block[9] = codec;
        BinaryPrimitives.WriteUInt16LittleEndian(block[10..], 0);
        BinaryPrimitives.WriteUInt32LittleEndian(block[12..], (uint)stored);
        BinaryPrimitives.WriteUInt32LittleEndian(block[16..], (uint)raw.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(block[20..], (uint)_pendingRecords);
        uint crc = Crc32C.Append(Crc32C.Start, block.Slice(CaptureFileLayout.BlockHeaderChecksummedOffset, CaptureFileLayout.BlockHeaderChecksummedSize));
        crc = Crc32C.Finish(Crc32C.Append(crc, block.Slice(header, stored)));
        BinaryPrimitives.WriteUInt32LittleEndian(block[24..], crc);

        _stream.Write(block[..(header + stored)]);
        BytesWritten += header + stored;
        Totals.Blocks++;
        _pending.ResetWrittenCount();
        _pendingRecords = 0;
    }
}
