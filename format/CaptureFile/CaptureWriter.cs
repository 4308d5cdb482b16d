using System.Buffers;
using System.Buffers.Binary;
using Capture.Format.Output;
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
    private readonly OutputFile? _file;
    private readonly CaptureWriterOptions _options;
    private readonly ArrayBufferWriter<byte> _pending;
    private byte[] _blockBuffer = [];
    private int _pendingRecords;
    private bool _completed;
    private bool _faulted;
    private bool _commitOnComplete;

    public CaptureTotals Totals { get; } = new();

    /// <summary>Bytes handed to the stream so far (header and whole blocks).</summary>
    public long BytesWritten { get; private set; }

    /// <summary>A write failed (a full disk): the file ends at its last whole block and takes no more.</summary>
    public bool Faulted => _faulted;

    /// <summary>Bytes of records waiting for the next block.</summary>
    public int PendingBytes => _pending.WrittenCount;

    public CaptureWriter(Stream stream, CaptureHeader header, CaptureWriterOptions? options = null)
        : this(stream, null, header, options)
    {
    }

    private CaptureWriter(Stream stream, OutputFile? file, CaptureHeader header, CaptureWriterOptions? options)
    {
        _stream = stream;
        _file = file;
        _options = options ?? new CaptureWriterOptions();
        _pending = new ArrayBufferWriter<byte>(_options.BlockSize + (64 << 10));
        byte[] preamble = HeaderCodec.Encode(header);
        _stream.Write(preamble);
        _stream.Flush();
        BytesWritten = preamble.Length;
    }

    /// <summary>
    /// Creates the capture at <paramref name="path"/> through <see cref="OutputFile"/>: a regular file
    /// is replaced by a fresh one readable by its owner only (captures hold secrets), a device or
    /// FIFO is written in place. Throws <see cref="OutputException"/> when it cannot.
    /// </summary>
    public static CaptureWriter Create(string path, CaptureHeader header, CaptureWriterOptions? options = null) =>
        // Whole blocks are written at once; a stream buffer would only delay them.
        Over(OutputFile.CreateGrowing(path, bufferSize: 0), path, header, options);

    /// <summary>
    /// Like <see cref="Create"/>, but the file appears at <paramref name="path"/> only when <see cref="Complete(ulong)"/>
    /// has written the trailer (capture merge: a half-written merge never replaces anything); disposed
    /// before that, it leaves nothing behind.
    /// </summary>
    public static CaptureWriter CreateWhole(string path, CaptureHeader header, CaptureWriterOptions? options = null)
    {
        var writer = Over(OutputFile.CreateWhole(path, bufferSize: 0), path, header, options);
        writer._commitOnComplete = true;
        return writer;
    }

    private static CaptureWriter Over(OutputFile file, string path, CaptureHeader header, CaptureWriterOptions? options)
    {
        try
        {
            return new CaptureWriter(file.Raw, file, header, options);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            file.Discard();
            throw OutputException.CannotWrite(path, e);
        }
        catch
        {
            file.Discard();
            throw;
        }
    }

    /// <summary>Removes the file this writer created (never a device or FIFO): for a recording that never started.</summary>
    public void Discard()
    {
        _completed = true;
        if (_file is not null)
            _file.Discard();
        else
            _stream.Dispose();
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
        Guarded(() =>
        {
            if (durable && _file is { IsRegularFile: true } && _stream is FileStream file)
                file.Flush(flushToDisk: true); // fsync: a device or FIFO has no disk to reach
            else
                _stream.Flush();
        });
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
        if (_commitOnComplete)
            _file!.Commit();
    }

    /// <summary>Writes what is pending unless a write already failed; never throws for a second failure.</summary>
    public void Dispose()
    {
        try
        {
            if (!_completed && !_faulted)
                WriteBlock();
        }
        catch (IOException)
        {
            // Already cut back to the last whole block by WriteBlock; the caller saw the first failure.
        }
        finally
        {
            if (_file is not null)
                _file.Dispose();
            else
                _stream.Dispose();
        }
    }

    /// <summary>
    /// Runs a write; when it fails (a full disk) the file is cut back to its last whole block, so
    /// it ends cleanly where the recording could no longer be written, and no later write is tried.
    /// </summary>
    private void Guarded(Action write)
    {
        if (_faulted)
            throw new IOException("an earlier write to the capture failed");
        try
        {
            write();
        }
        catch (IOException)
        {
            _faulted = true;
            try
            {
                if (_stream.CanSeek)
                    _stream.SetLength(BytesWritten);
            }
            catch (IOException)
            {
                // a torn last block is still skipped by every reader
            }
            throw;
        }
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

        int length = header + stored;
        Guarded(() => _stream.Write(_blockBuffer, 0, length));
        BytesWritten += length;
        Totals.Blocks++;
        _pending.ResetWrittenCount();
        _pendingRecords = 0;
    }
}
