using Capture.Format.Records;
using MessagePack;

namespace Capture.Format;

/// <summary>
/// Streams the records of a capture file, record by record: memory stays flat whatever the file size.
/// Corrupt blocks (a failed checksum, or records whose values are outside the format) are counted in
/// <see cref="Stats"/> and skipped; a partial block at the end (a crash, or a recording still being
/// written) ends the read, and <see cref="Follow"/> picks up from there. Captures joined with cat are
/// read as one: each later segment is put on the first one's clock and given host spaces of its own (connection ids).
/// </summary>
public sealed class CaptureReader : IDisposable
{
    private readonly Stream _stream;
    private readonly BlockReader _blocks;
    private SegmentMapping? _segment;
    private readonly HostSpaces _spaces = new();

    public CaptureHeader Header { get; }
    public CaptureReadStats Stats { get; } = new();

    public CaptureReader(Stream stream, string displayName = "the input")
    {
        if (!stream.CanSeek)
            throw new ArgumentException("A capture is read from a seekable stream (corrupt blocks are skipped by seeking).", nameof(stream));
        _stream = stream;
        Header = HeaderCodec.Decode(stream, displayName);
        _blocks = new BlockReader(stream, Stats, displayName);
    }

    /// <summary>Opens a file for reading while a recorder may still be appending to it.</summary>
    public static CaptureReader Open(string path)
    {
        if (Directory.Exists(path))
            throw new CaptureFormatException($"{path} is a directory, not a capture file.");
        if (!File.Exists(path))
            throw new FileNotFoundException($"{path} does not exist.", path);
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16);
        try
        {
            return new CaptureReader(stream, path);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>Every record in the readable blocks, in file order.</summary>
    public IEnumerable<CaptureRecord> ReadRecords()
    {
        while (_blocks.TryReadNext(out var block, out uint count))
        {
            if (_blocks.TakeNewSegment() is { } segment)
                _segment = new SegmentMapping(Header, segment, _spaces);
            int offset = 0;
            for (long i = 0; i < count && offset < block.Length; i++)
            {
                var record = DecodeNext(block, ref offset);
                if (record is null)
                {
                    if (offset < 0)
                        break; // the rest of the block cannot be trusted
                    continue;
                }
                if (_segment is null)
                    _spaces.Note(record);
                yield return _segment is null ? record : _segment.Map(record);
            }
        }
    }

    /// <summary>Like <see cref="ReadRecords"/>, then waits for the file to grow until cancelled or a trailer is read.</summary>
    public IEnumerable<CaptureRecord> Follow(TimeSpan pollInterval, CancellationToken cancellation)
    {
        while (!cancellation.IsCancellationRequested)
        {
            foreach (var record in ReadRecords())
                yield return record;
            if (Stats.CleanClose)
                yield break;
            cancellation.WaitHandle.WaitOne(pollInterval);
        }
    }

    /// <summary>
    /// The record at <paramref name="offset"/>, which moves past it. Null for a kind this reader does not
    /// know, and for a record that cannot be decoded or is out of range: then the block is counted corrupt
    /// and <paramref name="offset"/> becomes -1. Records before it in the block stay read: the checksum
    /// matched, so the writer itself wrote them.
    /// </summary>
    private CaptureRecord? DecodeNext(ReadOnlyMemory<byte> block, ref int offset)
    {
        var reader = new MessagePackReader(block[offset..]);
        CaptureRecord? record;
        try
        {
            record = RecordDecoder.Read(ref reader);
        }
        catch (Exception e) when (e is InvalidRecordException or MessagePackSerializationException or EndOfStreamException
                                       or OverflowException or ArgumentException or InvalidOperationException)
        {
            // MessagePack reports a hostile length or number with any of these; none may leave the reader.
            Stats.CorruptBlocks++;
            offset = -1;
            return null;
        }
        offset += (int)reader.Consumed;
        if (record is null)
        {
            Stats.UnknownRecords++;
            return null;
        }
        if (record is TrailerRecord)
            Stats.CleanClose = true;
        Stats.Records++;
        return record;
    }

    public void Dispose()
    {
        _blocks.Dispose();
        _stream.Dispose();
    }
}
