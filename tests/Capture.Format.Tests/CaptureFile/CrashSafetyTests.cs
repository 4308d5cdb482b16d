using System.Buffers.Binary;
using Capture.Format;
using Capture.Format.Records;

namespace Capture.Format.Tests.CaptureFile;

/// <summary>
/// A recorder killed mid-write leaves a file cut at an arbitrary byte; disks and copies flip bits.
/// Either way every intact block must still be read.
/// </summary>
public class CrashSafetyTests
{
    private static readonly List<CaptureRecord> Records = SampleRecords.Exchanges(connections: 6, exchangesPerConnection: 40);
    private static readonly CaptureWriterOptions SmallBlocks = new() { BlockSize = 2048 };

    /// <summary>The file and, for each block, where it ends and how many records precede that end.</summary>
    private static (byte[] File, List<(long End, int RecordsBefore)> Blocks) WriteWithBlockMap()
    {
        var stream = new MemoryStream();
        var blocks = new List<(long, int)>();
        using var writer = new CaptureWriter(stream, SampleRecords.Header(), SmallBlocks);
        int written = 0;
        ulong blocksBefore = 0;
        foreach (var record in Records)
        {
            writer.Write(record);
            written++;
            if (writer.Totals.Blocks != blocksBefore)
            {
                blocksBefore = writer.Totals.Blocks;
                blocks.Add((writer.BytesWritten, written));
            }
        }
        writer.Complete(1);
        blocks.Add((writer.BytesWritten, written + 1));
        return (stream.ToArray(), blocks);
    }

    [Fact]
    public void A_file_cut_at_any_offset_yields_every_block_before_the_cut()
    {
        var (file, blocks) = WriteWithBlockMap();
        Assert.True(blocks.Count > 20);
        var offsets = new SortedSet<long>();
        for (long o = FirstBlockStart(file); o <= file.Length; o += 97)
            offsets.Add(o);
        foreach (var (end, _) in blocks)
        {
            offsets.Add(end - 1);
            offsets.Add(end);
            offsets.Add(Math.Min(file.Length, end + 1));
            offsets.Add(Math.Min(file.Length, end + 9)); // inside the next block's header
        }

        foreach (long cut in offsets)
        {
            var (read, stats) = SampleRecords.ReadAll(file[..(int)cut]);
            int expected = blocks.Where(b => b.End <= cut).Select(b => b.RecordsBefore).DefaultIfEmpty(0).Max();
            Assert.True(expected == read.Count, $"cut at {cut}: expected {expected} records, read {read.Count}");
            RecordEquality.AssertSequence(Records.Take(Math.Min(expected, Records.Count)).ToList(), read.Take(Math.Min(expected, Records.Count)).ToList());
            Assert.Equal(0, stats.CorruptBlocks);
            Assert.Equal(cut == file.Length, stats.CleanClose);
        }
    }

    [Fact]
    public void A_flipped_bit_loses_only_its_block_and_reading_resumes_at_the_next_marker()
    {
        var (file, blocks) = WriteWithBlockMap();
        var random = new Random(11);
        long start = FirstBlockStart(file);
        for (int b = 0; b < blocks.Count; b++)
        {
            long blockStart = b == 0 ? start : blocks[b - 1].End;
            long blockEnd = blocks[b].End;
            int recordsInBlock = blocks[b].RecordsBefore - (b == 0 ? 0 : blocks[b - 1].RecordsBefore);
            foreach (long position in new[] { blockStart, blockStart + 13, blockStart + 27, blockStart + random.NextInt64(28, blockEnd - blockStart), blockEnd - 1 })
            {
                byte[] damaged = (byte[])file.Clone();
                damaged[position] ^= (byte)(1 << random.Next(8));
                var (read, stats) = SampleRecords.ReadAll(damaged);
                // In the last block a damaged length that points past the end looks exactly like a torn write.
                long damagedBlocks = stats.CorruptBlocks + (stats.IncompleteTailBytes > 0 ? 1 : 0);
                Assert.True(damagedBlocks == 1, $"block {b}, byte {position}: {stats.CorruptBlocks} corrupt blocks, {stats.IncompleteTailBytes} tail bytes");
                Assert.True(Records.Count + 1 - recordsInBlock == read.Count, $"block {b}, byte {position}: read {read.Count}");
                Assert.Equal(b != blocks.Count - 1, stats.CleanClose);
            }
        }
    }

    [Fact]
    public void A_corrupt_length_field_is_not_taken_for_the_end_of_the_file()
    {
        var (file, blocks) = WriteWithBlockMap();
        long second = blocks[0].End;
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan((int)second + 12), 60_000_000);
        var (read, stats) = SampleRecords.ReadAll(file);
        Assert.Equal(1, stats.CorruptBlocks);
        Assert.True(stats.CleanClose);
        Assert.True(read.Count > Records.Count / 2);
    }

    [Fact]
    public void A_file_being_written_is_followed_block_by_block()
    {
        string path = Path.Combine(Path.GetTempPath(), $"follow-{Guid.NewGuid():N}.tcap");
        try
        {
            using var writer = CaptureWriter.Create(path, SampleRecords.Header(), SmallBlocks);
            using var reader = CaptureReader.Open(path);
            Assert.Empty(reader.ReadRecords());

            writer.Write(new ProcessRecord(1, 1, "first", ""));
            Assert.Empty(reader.ReadRecords()); // still pending in the writer
            writer.Flush();
            Assert.Equal("first", Assert.IsType<ProcessRecord>(Assert.Single(reader.ReadRecords())).Name);

            writer.Write(new ProcessRecord(2, 2, "second", ""));
            writer.Complete(3);
            var rest = reader.ReadRecords().ToList();
            Assert.Equal(2, rest.Count);
            Assert.True(reader.Stats.CleanClose);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public void Created_files_are_readable_by_their_owner_only()
    {
        string path = Path.Combine(Path.GetTempPath(), $"mode-{Guid.NewGuid():N}.tcap");
        try
        {
            using (CaptureWriter.Create(path, SampleRecords.Header())) { }
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static long FirstBlockStart(byte[] file) => 16 + BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(12)) + 4;
}
