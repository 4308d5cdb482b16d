using System.Buffers.Binary;

namespace Capture.Traffic.Http2.Frames;

/// <summary>Reads the fields inside frame payloads (RFC 9113 section 6); false when the payload is too short for its own fields.</summary>
internal static class Http2FramePayload
{
    /// <summary>HEADERS: the header block fragment, without padding and priority fields.</summary>
    public static bool TryGetHeadersFragment(Http2FrameHeader header, ReadOnlySpan<byte> payload, out ReadOnlySpan<byte> fragment)
    {
        fragment = default;
        if (!TryRemovePadding(header, payload, out var content))
            return false;
        if (header.Has(Http2Flags.Priority))
        {
            if (content.Length < 5)
                return false;
            content = content[5..];
        }
        fragment = content;
        return true;
    }

    /// <summary>PUSH_PROMISE: the promised stream and the header block fragment.</summary>
    public static bool TryGetPushPromise(Http2FrameHeader header, ReadOnlySpan<byte> payload, out int promisedStreamId, out ReadOnlySpan<byte> fragment)
    {
        promisedStreamId = 0;
        fragment = default;
        if (!TryRemovePadding(header, payload, out var content) || content.Length < 4)
            return false;
        promisedStreamId = (int)(BinaryPrimitives.ReadUInt32BigEndian(content) & 0x7FFF_FFFF);
        fragment = content[4..];
        return true;
    }

    public static bool TryGetErrorCode(ReadOnlySpan<byte> payload, out uint errorCode)
    {
        errorCode = 0;
        if (payload.Length < 4)
            return false;
        errorCode = BinaryPrimitives.ReadUInt32BigEndian(payload);
        return true;
    }

    /// <summary>GOAWAY: the last stream the sender processed, and why.</summary>
    public static bool TryGetGoAway(ReadOnlySpan<byte> payload, out int lastStreamId, out uint errorCode)
    {
        lastStreamId = 0;
        errorCode = 0;
        if (payload.Length < 8)
            return false;
        lastStreamId = (int)(BinaryPrimitives.ReadUInt32BigEndian(payload) & 0x7FFF_FFFF);
        errorCode = BinaryPrimitives.ReadUInt32BigEndian(payload[4..]);
        return true;
    }

    /// <summary>SETTINGS: the value of <paramref name="id"/>, if the frame sets it (the last one wins).</summary>
    public static bool TryGetSetting(ReadOnlySpan<byte> payload, ushort id, out uint value)
    {
        value = 0;
        bool found = false;
        for (int i = 0; i + 6 <= payload.Length; i += 6)
        {
            if (BinaryPrimitives.ReadUInt16BigEndian(payload[i..]) != id)
                continue;
            value = BinaryPrimitives.ReadUInt32BigEndian(payload[(i + 2)..]);
            found = true;
        }
        return found;
    }

    private static bool TryRemovePadding(Http2FrameHeader header, ReadOnlySpan<byte> payload, out ReadOnlySpan<byte> content)
    {
        content = payload;
        if (!header.Has(Http2Flags.Padded))
            return true;
        if (payload.Length < 1 || payload[0] >= payload.Length)
            return false;
        content = payload[1..^payload[0]];
        return true;
    }
}
