using System.Buffers;
using System.Buffers.Binary;
using Capture.Traffic.Http2.Frames;

namespace Capture.Traffic.Tests.Http2;

public sealed class Http2FrameReaderTests
{
    /// <summary>Records what the reader reports as text lines.</summary>
    private sealed class Recorder : IHttp2FrameSink
    {
        public List<string> Events { get; } = [];
        private readonly List<byte> _data = [];

        public void OnPreface(ulong ts) => Events.Add("preface");
        public void OnFrame(in Http2Frame frame) =>
            Events.Add($"{frame.Header.Type} s{frame.Header.StreamId} f{frame.Header.Flags:x} {Convert.ToHexStringLower(frame.Payload)} @{frame.StartNs}-{frame.EndNs}");
        public void OnDataBegin(Http2FrameHeader h, ulong ts) => _data.Clear();
        public void OnData(Http2FrameHeader h, ReadOnlyMemory<byte> data, ulong ts) => _data.AddRange(data.ToArray());
        public void OnDataEnd(Http2FrameHeader h, ulong ts) => Events.Add($"Data s{h.StreamId} f{h.Flags:x} {Convert.ToHexStringLower(_data.ToArray())}");
        public void OnDataGap(Http2FrameHeader h, long bytes) => Events.Add($"data-gap s{h.StreamId} {bytes}");
        public void OnFrameLost(Http2FrameHeader h, ulong ts) => Events.Add($"lost {h.Type} s{h.StreamId}");
        public void OnSyncLost(ulong ts) => Events.Add("sync-lost");
        public void OnTruncated(Http2FrameHeader h, ulong ts) => Events.Add($"truncated {h.Type} s{h.StreamId}");
    }

    private static byte[] Frame(Http2FrameType type, byte flags, int stream, byte[] payload)
    {
        var output = new ArrayBufferWriter<byte>();
        Http2FrameWriter.WriteFrame(output, type, flags, stream, payload);
        return output.WrittenSpan.ToArray();
    }

    private static List<string> Read(byte[] bytes, bool expectPreface = false, bool midStream = false, int chunk = int.MaxValue)
    {
        var recorder = new Recorder();
        using var reader = new Http2FrameReader(recorder, expectPreface, midStream);
        for (int pos = 0; pos < bytes.Length; pos += chunk)
            reader.Feed(bytes.AsMemory(pos, Math.Min(chunk, bytes.Length - pos)), (ulong)pos);
        reader.End(999);
        return recorder.Events;
    }

    private static byte[] AllTypes()
    {
        byte[] priority = [0x80, 0, 0, 1, 15];   // exclusive, depends on 1, weight 16
        return
        [
            .. Http2Preface.Bytes,
            .. Frame(Http2FrameType.Settings, 0, 0, [0, 1, 0, 0, 0x10, 0, 0, 5, 0, 0, 0x40, 0]),
            .. Frame(Http2FrameType.Settings, Http2Flags.Ack, 0, []),
            // HEADERS padded (2 octets of padding) with priority fields; block is 0x82 (:method GET).
            .. Frame(Http2FrameType.Headers, Http2Flags.Padded | Http2Flags.Priority | Http2Flags.EndHeaders, 1, [2, .. priority, 0x82, 0, 0]),
            .. Frame(Http2FrameType.Priority, 0, 3, priority),
            .. Frame(Http2FrameType.Data, Http2Flags.Padded | Http2Flags.EndStream, 1, [3, 0xAA, 0xBB, 0, 0, 0]),
            .. Frame(Http2FrameType.Data, 0, 1, []),
            .. Frame(Http2FrameType.RstStream, 0, 1, [0, 0, 0, 8]),
            .. Frame(Http2FrameType.PushPromise, Http2Flags.EndHeaders, 1, [0, 0, 0, 2, 0x82]),
            .. Frame(Http2FrameType.Ping, 0, 0, [1, 2, 3, 4, 5, 6, 7, 8]),
            .. Frame((Http2FrameType)0xBB, 0xFF, 7, [9, 9, 9]), // an extension frame: skipped
            .. Frame(Http2FrameType.WindowUpdate, 0, 0, [0, 0, 0x10, 0]),
            .. Frame(Http2FrameType.Headers, 0, 5, [0x82]),
            .. Frame(Http2FrameType.Continuation, Http2Flags.EndHeaders, 5, [0x84]),
            .. Frame(Http2FrameType.GoAway, 0, 0, [0, 0, 0, 5, 0, 0, 0, 0, 0x64, 0x62, 0x67]),
        ];
    }

    [Fact]
    public void Every_frame_type_is_read_and_unknown_types_are_skipped()
    {
        var events = Read(AllTypes(), expectPreface: true);
        Assert.Equal(
        [
            "preface",
            "Settings s0 f0 000100001000000500004000 @0-0",
            "Settings s0 f1  @0-0",
            "Headers s1 f2c 02800000010f820000 @0-0",
            "Priority s3 f0 800000010f @0-0",
            "Data s1 f9 aabb",
            "Data s1 f0 ",
            "RstStream s1 f0 00000008 @0-0",
            "PushPromise s1 f4 0000000282 @0-0",
            "Ping s0 f0 0102030405060708 @0-0",
            "WindowUpdate s0 f0 00001000 @0-0",
            "Headers s5 f0 82 @0-0",
            "Continuation s5 f4 84 @0-0",
            "GoAway s0 f0 0000000500000000646267 @0-0",
        ], events);
    }

    [Fact]
    public void Payload_helpers_strip_padding_and_priority()
    {
        var header = new Http2FrameHeader(9, Http2FrameType.Headers, Http2Flags.Padded | Http2Flags.Priority | Http2Flags.EndHeaders, 1);
        Assert.True(Http2FramePayload.TryGetHeadersFragment(header, [2, 0x80, 0, 0, 1, 15, 0x82, 0, 0], out var fragment));
        Assert.Equal([0x82], fragment.ToArray());
        var promise = new Http2FrameHeader(7, Http2FrameType.PushPromise, Http2Flags.Padded | Http2Flags.EndHeaders, 1);
        Assert.True(Http2FramePayload.TryGetPushPromise(promise, [1, 0, 0, 0, 2, 0x82, 0], out int promised, out var block));
        Assert.Equal(2, promised);
        Assert.Equal([0x82], block.ToArray());
        // Padding longer than the frame, priority fields missing: refused, not read out of bounds.
        Assert.False(Http2FramePayload.TryGetHeadersFragment(header with { Length = 2 }, [5, 0x82], out _));
        Assert.False(Http2FramePayload.TryGetHeadersFragment(header with { Flags = Http2Flags.Priority }, [0x80, 0], out _));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(5)]
    [InlineData(9)]
    [InlineData(10)]
    [InlineData(31)]
    public void Any_chunking_reads_the_same_frames(int chunk)
    {
        var whole = Read(AllTypes(), expectPreface: true);
        var split = Read(AllTypes(), expectPreface: true, chunk: chunk);
        // Timestamps follow the chunks; everything else is identical.
        Assert.Equal(whole.Select(StripTimes), split.Select(StripTimes));
    }

    private static string StripTimes(string line) => line.Contains(" @") ? line[..line.IndexOf(" @")] : line;

    [Fact]
    public void Frame_timestamps_are_those_of_the_chunks_holding_their_first_and_last_octet()
    {
        byte[] bytes = Frame(Http2FrameType.Ping, 0, 0, [1, 2, 3, 4, 5, 6, 7, 8]);
        var recorder = new Recorder();
        using var reader = new Http2FrameReader(recorder, expectPreface: false, startsMidStream: false);
        reader.Feed(bytes.AsMemory(0, 4), 100);
        reader.Feed(bytes.AsMemory(4, 8), 200);
        reader.Feed(bytes.AsMemory(12), 300);
        Assert.Equal(["Ping s0 f0 0102030405060708 @100-300"], recorder.Events);
    }

    [Fact]
    public void A_hostile_length_loses_sync_instead_of_allocating()
    {
        // A SETTINGS frame header claiming 16 MiB: beyond SETTINGS_MAX_FRAME_SIZE (16 KiB by default).
        byte[] hostile = [0xFF, 0xFF, 0xFF, 4, 0, 0, 0, 0, 0, 1, 2, 3];
        long before = GC.GetAllocatedBytesForCurrentThread();
        var events = Read([.. hostile, .. Frame(Http2FrameType.Ping, 0, 0, new byte[8]), .. Frame(Http2FrameType.Ping, 0, 0, new byte[8]),
            .. Frame(Http2FrameType.Ping, Http2Flags.Ack, 0, new byte[8])]);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal("sync-lost", events[0]);
        Assert.Equal(3, events.Count(e => e.StartsWith("Ping")));
        Assert.True(allocated < 1_000_000, $"{allocated} bytes allocated");
    }

    [Fact]
    public void The_max_frame_size_raised_by_settings_admits_longer_frames()
    {
        var recorder = new Recorder();
        using var reader = new Http2FrameReader(recorder, expectPreface: false, startsMidStream: false) { MaxFrameSize = 100_000 };
        reader.Feed(Frame(Http2FrameType.Data, 0, 1, new byte[50_000]), 1);
        Assert.Single(recorder.Events, e => e.StartsWith("Data s1"));
    }

    [Fact]
    public void Joined_mid_frame_the_reader_finds_the_next_frame_boundary()
    {
        byte[] stream =
        [
            .. Frame(Http2FrameType.Data, 0, 1, new byte[300]),
            .. Frame(Http2FrameType.Headers, Http2Flags.EndHeaders, 3, [0x82, 0x86]),
            .. Frame(Http2FrameType.Data, Http2Flags.EndStream, 3, [1, 2, 3]),
            .. Frame(Http2FrameType.WindowUpdate, 0, 0, [0, 0, 1, 0]),
        ];
        var recorder = new Recorder();
        using var reader = new Http2FrameReader(recorder, expectPreface: false, startsMidStream: true);
        reader.Feed(stream.AsMemory(100), 1); // inside the first DATA frame's payload
        reader.End(2);
        Assert.Equal(["Headers s3 f4 8286 @1-1", "Data s3 f1 010203", "WindowUpdate s0 f0 00000100 @1-1"], recorder.Events);
        Assert.Equal(300 + 9 - 100, reader.SkippedBytes);
    }

    [Fact]
    public void Gaps_inside_data_are_counted_per_frame_and_gaps_across_frames_lose_sync()
    {
        byte[] data = Frame(Http2FrameType.Data, 0, 1, new byte[100]);
        byte[] ping = Frame(Http2FrameType.Ping, 0, 0, new byte[8]);
        var recorder = new Recorder();
        using var reader = new Http2FrameReader(recorder, expectPreface: false, startsMidStream: false);
        reader.Feed(data.AsMemory(0, 20), 1);
        reader.Gap(30, 2);
        reader.Feed(data.AsMemory(50), 3);
        reader.Feed(data.AsMemory(0, 20), 4);
        reader.Gap(200, 5); // past the end of this frame
        reader.Feed((byte[])[.. ping, .. ping, .. ping], 6);
        Assert.Equal(["data-gap s1 30", "Data s1 f0 " + new string('0', 140), "data-gap s1 89", "Data s1 f0 " + new string('0', 22), "sync-lost",
            "Ping s0 f0 0000000000000000 @6-6", "Ping s0 f0 0000000000000000 @6-6", "Ping s0 f0 0000000000000000 @6-6"], recorder.Events);
    }

    [Fact]
    public void A_gap_inside_a_headers_frame_reports_it_lost_and_keeps_framing()
    {
        byte[] headers = Frame(Http2FrameType.Headers, Http2Flags.EndHeaders, 1, [0x82, 0x86, 0x84, 0x87]);
        var events = new Recorder();
        using var reader = new Http2FrameReader(events, expectPreface: false, startsMidStream: false);
        reader.Feed(headers.AsMemory(0, 10), 1);
        reader.Gap(2, 2);
        reader.Feed(headers.AsMemory(12), 3);
        reader.Feed(Frame(Http2FrameType.RstStream, 0, 1, [0, 0, 0, 8]), 4);
        Assert.Equal(["lost Headers s1", "RstStream s1 f0 00000008 @4-4"], events.Events);
    }

    [Fact]
    public void Bytes_that_are_not_the_preface_lose_sync()
    {
        var events = Read("GET / HTTP/1.1\r\nHost: x\r\n\r\n"u8.ToArray(), expectPreface: true);
        Assert.Equal(["sync-lost"], events);
    }

    [Fact]
    public void Plausibility_accepts_frame_chains_and_the_preface_and_refuses_other_protocols()
    {
        byte[] chain = [.. Frame(Http2FrameType.Settings, 0, 0, new byte[6]), .. Frame(Http2FrameType.WindowUpdate, 0, 0, [0, 0, 1, 0]),
            .. Frame(Http2FrameType.Headers, Http2Flags.EndHeaders, 1, [0x82])];
        Assert.Equal(PlausibilityVerdict.Plausible, Http2FramePlausibility.Check(chain, 16384));
        Assert.Equal(PlausibilityVerdict.NeedMore, Http2FramePlausibility.Check(chain.AsSpan(0, 20), 16384));
        Assert.Equal(PlausibilityVerdict.Plausible, Http2FramePlausibility.Check(chain.AsSpan(0, 28), 16384, atEnd: true));
        Assert.Equal(PlausibilityVerdict.Plausible, Http2FramePlausibility.Check(Http2Preface.Bytes, 16384));
        Assert.Equal(PlausibilityVerdict.NeedMore, Http2FramePlausibility.Check(Http2Preface.Bytes[..10], 16384));
        Assert.Equal(PlausibilityVerdict.Implausible, Http2FramePlausibility.Check("GET / HTTP/1.1\r\nHost: a\r\n\r\n"u8, 16384));
        Assert.Equal(PlausibilityVerdict.Implausible, Http2FramePlausibility.Check("HTTP/1.1 200 OK\r\n"u8, 16384));
        Assert.Equal(PlausibilityVerdict.Implausible, Http2FramePlausibility.Check([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03], 16384));
        // A CONTINUATION cannot start a chain, and an open header block must be continued on its stream.
        Assert.Equal(PlausibilityVerdict.Implausible, Http2FramePlausibility.Check(Frame(Http2FrameType.Continuation, 4, 1, [0x82]), 16384, atEnd: true));
        Assert.Equal(PlausibilityVerdict.Implausible, Http2FramePlausibility.Check(
            [.. Frame(Http2FrameType.Headers, 0, 1, [0x82]), .. Frame(Http2FrameType.Data, 0, 1, [])], 16384, atEnd: true));
    }

    [Fact]
    public void Random_bytes_are_practically_never_plausible()
    {
        var random = new Random(11);
        var bytes = new byte[4096];
        int plausible = 0;
        for (int round = 0; round < 2000; round++)
        {
            random.NextBytes(bytes);
            if (Http2FramePlausibility.Check(bytes, 16384) == PlausibilityVerdict.Plausible)
                plausible++;
        }
        Assert.Equal(0, plausible);
    }

    [Fact]
    public void Settings_values_are_read_last_one_winning()
    {
        byte[] payload = new byte[18];
        BinaryPrimitives.WriteUInt16BigEndian(payload, 1);
        BinaryPrimitives.WriteUInt32BigEndian(payload.AsSpan(2), 100);
        BinaryPrimitives.WriteUInt16BigEndian(payload.AsSpan(6), 5);
        BinaryPrimitives.WriteUInt32BigEndian(payload.AsSpan(8), 20000);
        BinaryPrimitives.WriteUInt16BigEndian(payload.AsSpan(12), 1);
        BinaryPrimitives.WriteUInt32BigEndian(payload.AsSpan(14), 200);
        Assert.True(Http2FramePayload.TryGetSetting(payload, Http2Settings.HeaderTableSize, out uint table));
        Assert.Equal(200u, table);
        Assert.True(Http2FramePayload.TryGetSetting(payload, Http2Settings.MaxFrameSize, out uint frame));
        Assert.Equal(20000u, frame);
        Assert.False(Http2FramePayload.TryGetSetting(payload, 3, out _));
    }
}
