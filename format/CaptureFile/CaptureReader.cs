using Capture.Format.Records;
using MessagePack;

namespace Capture.Format;

/// <summary>
/// Streams the records of a capture file, block by block: memory stays flat whatever the file size.
/// Corrupt blocks are counted in <see cref="Stats"/> and skipped; a partial block at the end (a crash,
/// or a recording still being written) ends the read, and <see cref="Follow"/> picks up from there.
/// </summary>
public sealed class CaptureReader : IDisposable
{
    private readonly Stream _stream;
    private readonly BlockReader _blocks;

    public CaptureHeader Header { get; }
    public CaptureReadStats Stats { get; } = new();

    public CaptureReader(Stream stream, string displayName = "the input")
    {
        if (!stream.CanSeek)
            throw new ArgumentException("A capture is read from a seekable stream (corrupt blocks are skipped by seeking).", nameof(stream));
        _stream = stream;
        Header = HeaderCodec.Decode(stream, displayName);
        _blocks = new BlockReader(stream, Stats);
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
        var batch = new List<CaptureRecord>(256);
        while (_blocks.TryReadNext(out var records, out int count))
        {
            DecodeBlock(records, count, batch);
            foreach (var record in batch)
                yield return record;
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

    private void DecodeBlock(ReadOnlyMemory<byte> block, int count, List<CaptureRecord> into)
    {
        into.Clear();
        var reader = new MessagePackReader(block);
        try
        {
            for (int i = 0; i < count && !reader.End; i++)
            {
                var record = RecordDecoder.Read(ref reader);
                if (record is null)
                {
                    Stats.UnknownRecords++;
                    continue;
                }
                if (record is TrailerRecord)
                    Stats.CleanClose = true;
                into.Add(record);
            }
        }
        catch (Exception e) when (e is MessagePackSerializationException or EndOfStreamException or InvalidOperationException)
        {
            // The checksum matched, so the writer itself wrote this: keep what decoded, count the block.
            Stats.CorruptBlocks++;
        }
        Stats.Records += into.Count;
    }

    public void Dispose()
    {
        _blocks.Dispose();
        _stream.Dispose();
    }
}
