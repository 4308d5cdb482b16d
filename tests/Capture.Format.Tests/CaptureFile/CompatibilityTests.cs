using System.Buffers;
using System.Buffers.Binary;
using Capture.Format;
using Capture.Format.Records;
using MessagePack;

namespace Capture.Format.Tests.CaptureFile;

/// <summary>The format grows by minor versions: readers skip what they do not know and refuse a newer major.</summary>
public class CompatibilityTests
{
    [Fact]
    public void A_newer_major_version_is_refused_with_a_sentence()
    {
        byte[] file = SampleRecords.WriteToBytes([]);
        BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(8), 2);
        BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(10), 0);
        var e = Assert.Throws<CaptureFormatException>(() => new CaptureReader(new MemoryStream(file), "x.tcap"));
        Assert.Contains("x.tcap uses capture format 2.0", e.Message);
    }

    [Fact]
    public void A_newer_minor_version_is_read()
    {
        byte[] file = SampleRecords.WriteToBytes([new ProcessRecord(1, 2, "a", "b")]);
        BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(10), 7);
        FixHeaderChecksum(file);
        using var reader = new CaptureReader(new MemoryStream(file));
        Assert.Equal(new FormatVersion(1, 7), reader.Header.Version);
        Assert.Equal(2, reader.ReadRecords().Count());
    }

    [Theory]
    [InlineData("")]
    [InlineData("root:x:0:0:root:/root:/bin/bash\n")]
    [InlineData("\u0089TCA")]
    public void Not_a_capture_is_refused_with_a_sentence(string content)
    {
        var e = Assert.Throws<CaptureFormatException>(() => new CaptureReader(new MemoryStream(System.Text.Encoding.Latin1.GetBytes(content)), "f"));
        Assert.Equal("f is not a capture file.", e.Message);
    }

    [Fact]
    public void Container_fields_of_format_1_3_round_trip_and_a_1_2_record_has_none()
    {
        var container = new ContainerContext(4242, "/kubepods/burstable/pod0b7e6c2a-1d3f-4e5a-9b8c-7d6e5f4a3b2c/abc", 4026532281, 7,
            "abc", "0b7e6c2a-1d3f-4e5a-9b8c-7d6e5f4a3b2c", "shop", "orders-api");
        var inContainer = new ConnectionOpenedRecord(5, 9, 100, 4, "nginx", ConnectionRole.Server, ConnectionSource.Accept,
            new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 8080), new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 51000),
            ConnectionFlags.None, 0, container);
        var onHost = inContainer with { ConnectionId = 10, Container = null };
        var (read, _) = SampleRecords.ReadAll(SampleRecords.WriteToBytes([inContainer, onHost]));
        Assert.Equal([inContainer, onHost], read.Where(r => r is ConnectionOpenedRecord));
        Assert.Equal("shop/orders-api", container.Pod);
        Assert.Equal("0b7e6c2a-1d3f-4e5a-9b8c-7d6e5f4a3b2c", (container with { PodName = null }).Pod);
    }

    [Fact]
    public void A_format_1_0_connection_record_without_the_connect_start_reads_as_not_observed()
    {
        var stream = new MemoryStream();
        var writer = new CaptureWriter(stream, SampleRecords.Header());
        writer.Flush();
        stream.Write(EncodeBlock(CaptureFileLayout.BlockKindRecords, (ref MessagePackWriter w) =>
        {
            w.WriteArrayHeader(13); w.Write((int)RecordKind.ConnectionOpened); w.Write(7UL);
            w.Write(3UL); w.Write(77); w.Write(5); w.Write("curl"); w.Write((byte)ConnectionRole.Client); w.Write((byte)ConnectionSource.Connect);
            w.Write(new byte[] { 127, 0, 0, 1 }); w.Write(51000); w.Write(new byte[] { 127, 0, 0, 1 }); w.Write(8080); w.Write(0u);
        }, records: 1));

        var (read, _) = SampleRecords.ReadAll(stream.ToArray());
        var opened = Assert.IsType<ConnectionOpenedRecord>(Assert.Single(read));
        Assert.Equal((3UL, "curl", 8080, 0UL), (opened.ConnectionId, opened.ProcessName, opened.Remote?.Port, opened.ConnectStartNs));
    }

    [Fact]
    public void Unknown_record_kinds_and_extra_fields_are_skipped()
    {
        var stream = new MemoryStream();
        var writer = new CaptureWriter(stream, SampleRecords.Header());
        writer.Write(new ProcessRecord(1, 2, "known", ""));
        byte[] block = EncodeBlock(CaptureFileLayout.BlockKindRecords, (ref MessagePackWriter w) =>
        {
            w.WriteArrayHeader(3); w.Write(99); w.Write(5UL); w.Write("from the future");
            w.WriteArrayHeader(6); w.Write((int)RecordKind.ConnectionClosed); w.Write(6UL); w.Write(1UL); w.Write(2UL); w.Write(3UL); w.Write("new field");
        }, records: 2);
        writer.Flush();
        stream.Write(block);
        byte[] file = stream.ToArray();

        var (read, stats) = SampleRecords.ReadAll(file);
        Assert.Equal([new ProcessRecord(1, 2, "known", ""), new ConnectionClosedRecord(6, 1, 2, 3)], read);
        Assert.Equal(1, stats.UnknownRecords);
    }

    [Fact]
    public void Unknown_block_kinds_are_skipped()
    {
        var stream = new MemoryStream();
        var writer = new CaptureWriter(stream, SampleRecords.Header());
        writer.Write(new ProcessRecord(1, 2, "before", ""));
        writer.Flush();
        stream.Write(EncodeBlock(42, (ref MessagePackWriter w) => w.Write("an index, say"), records: 0));
        writer.Write(new ProcessRecord(3, 4, "after", ""));
        writer.Flush();

        var (read, stats) = SampleRecords.ReadAll(stream.ToArray());
        Assert.Equal(["before", "after"], read.Cast<ProcessRecord>().Select(p => p.Name));
        Assert.Equal(0, stats.CorruptBlocks);
    }

    private delegate void BlockBody(ref MessagePackWriter w);

    private static byte[] EncodeBlock(byte kind, BlockBody body, int records)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var w = new MessagePackWriter(buffer);
        body(ref w);
        w.Flush();
        byte[] raw = buffer.WrittenSpan.ToArray();
        byte[] block = new byte[CaptureFileLayout.BlockHeaderSize + raw.Length];
        CaptureFileLayout.SyncMarker.CopyTo(block);
        block[8] = kind;
        block[9] = CaptureFileLayout.CodecNone;
        BinaryPrimitives.WriteUInt32LittleEndian(block.AsSpan(12), (uint)raw.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(block.AsSpan(16), (uint)raw.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(block.AsSpan(20), (uint)records);
        raw.CopyTo(block, CaptureFileLayout.BlockHeaderSize);
        uint crc = Crc32C.Append(Crc32C.Start, block.AsSpan(8, 16));
        crc = Crc32C.Finish(Crc32C.Append(crc, raw));
        BinaryPrimitives.WriteUInt32LittleEndian(block.AsSpan(24), crc);
        return block;
    }

    private static void FixHeaderChecksum(byte[] file)
    {
        int length = (int)BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(12));
        uint crc = Crc32C.Compute(file.AsSpan(8, 8 + length));
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(16 + length), crc);
    }
}
