using System.Buffers;
using Capture.Format;
using Capture.Traffic.Har;
using Capture.Format.Inspection;
using Capture.Traffic.Pcap;
using MessagePack;

namespace Capture.Fuzz.Tests;

/// <summary>
/// Issue 10, item 4: a block whose checksum is valid but whose records are hostile must cost that block
/// only. Before the fix each of these threw out of the reader (OverflowException, ArgumentOutOfRangeException...)
/// and no verb converted anything.
/// </summary>
public class HostileCaptureTests
{
    private static readonly byte[] Fixture = File.ReadAllBytes(Path.Combine(Fixtures.Root, "fixtures", "recorded", "demo-kestrel.tcap"));

    public static TheoryData<string> Cases => [.. HostileRecord.Keys];

    private static readonly Dictionary<string, Action<MessagePackWriter>> HostileRecord = new()
    {
        ["a pid beyond int32"] = w => Opened(w, pid: (ulong)int.MaxValue + 1, port: 80),
        ["port 70000"] = w => Opened(w, pid: 1, port: 70000),
        ["a payload length claiming 4 GB"] = w =>
        {
            Header(ref w, 3, 8);
            w.Write(1UL);
            w.Write((byte)0);
            w.Write(0UL);
            w.WriteRaw(new byte[] { 0xC6, 0xFF, 0xFF, 0xFF, 0xF0, 1, 2, 3 });
            w.Flush();
        },
        ["direction 7"] = w => Data(w, direction: 7, offset: 0, cut: 0, timestamp: 1),
        ["a timestamp of 2^64-1"] = w => Data(w, direction: 0, offset: 0, cut: 0, timestamp: ulong.MaxValue),
        ["an offset and cut that overflow"] = w => Data(w, direction: 1, offset: ulong.MaxValue - 2, cut: ulong.MaxValue - 2, timestamp: 1),
        ["a record of an unknown kind nested a million arrays deep"] = w =>
        {
            Header(ref w, 99, 3);
            for (int i = 0; i < 1_000_000; i++)
                w.WriteArrayHeader(1);
            w.WriteNil();
            w.Flush();
        },
        ["a kind beyond int32"] = w =>
        {
            w.WriteArrayHeader(2);
            w.Write(ulong.MaxValue);
            w.Write(1UL);
            w.Flush();
        },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_valid_checksum_block_of_hostile_records_is_counted_corrupt_and_every_other_block_is_converted(string name)
    {
        var buffer = new ArrayBufferWriter<byte>();
        HostileRecord[name](new MessagePackWriter(buffer));
        var layout = CaptureLayout.Parse(Fixture);
        layout.Blocks.Insert(layout.Blocks.Count / 2, CaptureLayout.Seal(buffer.WrittenSpan, 1, compress: true));
        byte[] crafted = layout.ToBytes();

        var (cleanSummary, cleanHar, cleanPcap) = EveryVerb(Fixture);
        var (summary, har, pcap) = EveryVerb(crafted);

        // Deep nesting is valid MessagePack: the record is skipped as a kind this reader does not know, without recursion.
        bool skippedWhole = name.Contains("unknown kind");
        Assert.Equal(skippedWhole ? 0 : 1, summary.CorruptBlocks);
        Assert.Equal(skippedWhole ? 1 : 0, summary.UnknownRecords);
        Assert.Equal(cleanSummary.Records, summary.Records);
        Assert.Equal(cleanSummary.Blocks, summary.Blocks - 1); // the hostile block passed its checksum: it was read, then refused
        Assert.True(cleanHar.Written >= 40, $"the fixture has 40 exchanges, the clean HAR {cleanHar.Written}");
        Assert.Equal(cleanHar.Written, har.Written);
        Assert.Equal(summary.CorruptBlocks, har.CorruptBlocks);
        Assert.Equal(cleanPcap.Packets, pcap.Packets);
    }

    private static (CaptureSummary, HarConversionSummary, PcapExportStats) EveryVerb(byte[] file)
    {
        CaptureSummary summary;
        using (var reader = new CaptureReader(new MemoryStream(file)))
            summary = CaptureSummary.Compute(reader);
        HarConversionSummary har;
        using (var reader = new CaptureReader(new MemoryStream(file)))
            har = HarConversion.Run(reader, Stream.Null);
        using (var reader = new CaptureReader(new MemoryStream(file)))
            return (summary, har, PcapExporter.Export(reader.ReadRecords(), reader.Header, Stream.Null));
    }

    private static void Header(ref MessagePackWriter w, int kind, int fields)
    {
        w.WriteArrayHeader(fields);
        w.Write(kind);
        w.Write(1UL);
    }

    private static void Opened(MessagePackWriter w, ulong pid, int port)
    {
        Header(ref w, 2, 14);
        w.Write(99UL);
        w.Write(pid);
        w.Write(3);
        w.Write("x");
        w.Write((byte)1);
        w.Write((byte)1);
        w.Write(new byte[] { 127, 0, 0, 1 });
        w.Write(port);
        w.Write(new byte[] { 127, 0, 0, 1 });
        w.Write(40000);
        w.Write(0u);
        w.Write(0UL);
        w.Flush();
    }

    private static void Data(MessagePackWriter w, int direction, ulong offset, ulong cut, ulong timestamp)
    {
        w.WriteArrayHeader(8);
        w.Write(3);
        w.Write(timestamp);
        w.Write(1UL);
        w.Write(direction);
        w.Write(offset);
        w.Write(new byte[] { 1, 2, 3 });
        w.Write(cut);
        w.Write(0u);
        w.Flush();
    }
}
