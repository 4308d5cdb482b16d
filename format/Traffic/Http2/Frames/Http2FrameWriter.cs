using System.Buffers;
using System.Buffers.Binary;
using Capture.Traffic.Http2.Hpack;

namespace Capture.Traffic.Http2.Frames;

/// <summary>Writes HTTP/2 frames, to synthesize traffic (tests, benchmarks, fixtures). No validation beyond lengths.</summary>
internal static class Http2FrameWriter
{
    public static void WritePreface(IBufferWriter<byte> output) => output.Write(Http2Preface.Bytes);

    public static void WriteFrame(IBufferWriter<byte> output, Http2FrameType type, byte flags, int streamId, ReadOnlySpan<byte> payload)
    {
        var span = output.GetSpan(Http2FrameHeader.Size + payload.Length);
        new Http2FrameHeader(payload.Length, type, flags, streamId).Write(span);
        payload.CopyTo(span[Http2FrameHeader.Size..]);
        output.Advance(Http2FrameHeader.Size + payload.Length);
    }

    public static void WriteSettings(IBufferWriter<byte> output, params (ushort Id, uint Value)[] settings)
    {
        var payload = new byte[settings.Length * 6];
        for (int i = 0; i < settings.Length; i++)
        {
            BinaryPrimitives.WriteUInt16BigEndian(payload.AsSpan(i * 6), settings[i].Id);
            BinaryPrimitives.WriteUInt32BigEndian(payload.AsSpan(i * 6 + 2), settings[i].Value);
        }
        WriteFrame(output, Http2FrameType.Settings, 0, 0, payload);
    }

    public static void WriteSettingsAck(IBufferWriter<byte> output) => WriteFrame(output, Http2FrameType.Settings, Http2Flags.Ack, 0, []);

    /// <summary>A header list as HEADERS, then CONTINUATION frames when the block exceeds <paramref name="maxFrameSize"/>.</summary>
    public static void WriteHeaders(IBufferWriter<byte> output, HpackEncoder encoder, int streamId, IEnumerable<(string Name, string Value)> fields,
        bool endStream, int maxFrameSize = Http2Settings.DefaultMaxFrameSize)
    {
        var block = new ArrayBufferWriter<byte>();
        encoder.WriteHeaders(fields, block);
        WriteHeaderBlock(output, Http2FrameType.Headers, endStream ? Http2Flags.EndStream : (byte)0, streamId, [], block.WrittenSpan, maxFrameSize);
    }

    /// <summary>A PUSH_PROMISE on <paramref name="streamId"/> promising <paramref name="promisedStreamId"/> with this request.</summary>
    public static void WritePushPromise(IBufferWriter<byte> output, HpackEncoder encoder, int streamId, int promisedStreamId,
        IEnumerable<(string Name, string Value)> fields, int maxFrameSize = Http2Settings.DefaultMaxFrameSize)
    {
        var block = new ArrayBufferWriter<byte>();
        encoder.WriteHeaders(fields, block);
        var promised = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(promised, (uint)promisedStreamId);
        WriteHeaderBlock(output, Http2FrameType.PushPromise, 0, streamId, promised, block.WrittenSpan, maxFrameSize);
    }

    /// <summary>A body as DATA frames of at most <paramref name="maxFrameSize"/> octets; END_STREAM on the last when asked.</summary>
    public static void WriteData(IBufferWriter<byte> output, int streamId, ReadOnlySpan<byte> body, bool endStream, int maxFrameSize = Http2Settings.DefaultMaxFrameSize)
    {
        do
        {
            int take = Math.Min(body.Length, maxFrameSize);
            bool last = take == body.Length;
            WriteFrame(output, Http2FrameType.Data, last && endStream ? Http2Flags.EndStream : (byte)0, streamId, body[..take]);
            body = body[take..];
        }
        while (!body.IsEmpty);
    }

    public static void WriteRstStream(IBufferWriter<byte> output, int streamId, uint errorCode)
    {
        Span<byte> payload = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(payload, errorCode);
        WriteFrame(output, Http2FrameType.RstStream, 0, streamId, payload);
    }

    public static void WriteGoAway(IBufferWriter<byte> output, int lastStreamId, uint errorCode)
    {
        Span<byte> payload = stackalloc byte[8];
        BinaryPrimitives.WriteUInt32BigEndian(payload, (uint)lastStreamId);
        BinaryPrimitives.WriteUInt32BigEndian(payload[4..], errorCode);
        WriteFrame(output, Http2FrameType.GoAway, 0, 0, payload);
    }

    private static void WriteHeaderBlock(IBufferWriter<byte> output, Http2FrameType type, byte flags, int streamId,
        ReadOnlySpan<byte> prefix, ReadOnlySpan<byte> block, int maxFrameSize)
    {
        int first = Math.Min(block.Length, maxFrameSize - prefix.Length);
        bool whole = first == block.Length;
        byte[] payload = [.. prefix, .. block[..first]];
        WriteFrame(output, type, (byte)(flags | (whole ? Http2Flags.EndHeaders : 0)), streamId, payload);
        block = block[first..];
        while (!block.IsEmpty)
        {
            int take = Math.Min(block.Length, maxFrameSize);
            WriteFrame(output, Http2FrameType.Continuation, take == block.Length ? Http2Flags.EndHeaders : (byte)0, streamId, block[..take]);
            block = block[take..];
        }
    }
}
