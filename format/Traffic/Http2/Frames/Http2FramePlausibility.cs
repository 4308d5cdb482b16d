namespace Capture.Traffic.Http2.Frames;

internal enum PlausibilityVerdict
{
    /// <summary>The bytes start with the preface or a chain of valid-looking frame headers.</summary>
    Plausible,
    Implausible,
    /// <summary>Too few bytes to tell.</summary>
    NeedMore,
}

/// <summary>
/// Decides whether bytes taken anywhere in a connection start at an HTTP/2 frame boundary, for a
/// connection joined mid-way or after framing was lost in a gap. The heuristic: the client preface,
/// or <see cref="ChainLength"/> consecutive frame headers, each reached by skipping the previous
/// frame's length, that all obey the fixed rules of RFC 9113 section 6: a known type, a length within
/// SETTINGS_MAX_FRAME_SIZE and the type's fixed size (PRIORITY 5, RST_STREAM 4, PING 8, WINDOW_UPDATE 4,
/// SETTINGS a multiple of 6 and 0 with ACK, GOAWAY at least 8), no flag the type does not define,
/// the reserved bit clear, stream 0 exactly for connection frames, and a CONTINUATION only right after
/// a header block left open on the same stream (never first). Random bytes pass one header with a
/// probability below 1e-4, a chain of three practically never.
/// </summary>
internal static class Http2FramePlausibility
{
    public const int ChainLength = 3;

    /// <param name="atEnd">No more bytes will come: a shorter chain that ends exactly at the end counts.</param>
    public static PlausibilityVerdict Check(ReadOnlySpan<byte> data, int maxFrameSize, bool atEnd = false)
    {
        if (Http2Preface.StartsWith(data, out bool maybePreface))
            return PlausibilityVerdict.Plausible;
        if (maybePreface && !atEnd)
            return PlausibilityVerdict.NeedMore;

        long pos = 0;
        Http2FrameHeader? previous = null;
        for (int count = 0; count < ChainLength; count++)
        {
            if (data.Length - pos < Http2FrameHeader.Size)
            {
                if (atEnd)
                    return count > 0 && pos == data.Length ? PlausibilityVerdict.Plausible : PlausibilityVerdict.Implausible;
                return PlausibilityVerdict.NeedMore;
            }
            var header = Http2FrameHeader.Read(data[(int)pos..], out bool reserved);
            if (reserved || !IsValid(header, maxFrameSize) || !FollowsValidly(previous, header))
                return PlausibilityVerdict.Implausible;
            previous = header;
            pos += Http2FrameHeader.Size + header.Length;
        }
        return PlausibilityVerdict.Plausible;
    }

    /// <summary>The fixed rules of one frame header (see the class summary).</summary>
    public static bool IsValid(Http2FrameHeader header, int maxFrameSize)
    {
        if (header.Length > maxFrameSize)
            return false;
        bool connectionLevel = header.StreamId == 0;
        return header.Type switch
        {
            Http2FrameType.Data => !connectionLevel && OnlyFlags(header, Http2Flags.EndStream | Http2Flags.Padded),
            Http2FrameType.Headers => !connectionLevel
                && OnlyFlags(header, Http2Flags.EndStream | Http2Flags.EndHeaders | Http2Flags.Padded | Http2Flags.Priority),
            Http2FrameType.Priority => !connectionLevel && header.Flags == 0 && header.Length == 5,
            Http2FrameType.RstStream => !connectionLevel && header.Flags == 0 && header.Length == 4,
            Http2FrameType.Settings => connectionLevel && OnlyFlags(header, Http2Flags.Ack)
                && (header.Has(Http2Flags.Ack) ? header.Length == 0 : header.Length % 6 == 0),
            Http2FrameType.PushPromise => !connectionLevel && OnlyFlags(header, Http2Flags.EndHeaders | Http2Flags.Padded) && header.Length >= 4,
            Http2FrameType.Ping => connectionLevel && OnlyFlags(header, Http2Flags.Ack) && header.Length == 8,
            Http2FrameType.GoAway => connectionLevel && header.Flags == 0 && header.Length >= 8,
            Http2FrameType.WindowUpdate => header.Flags == 0 && header.Length == 4,
            Http2FrameType.Continuation => !connectionLevel && OnlyFlags(header, Http2Flags.EndHeaders),
            _ => false,
        };
    }

    private static bool FollowsValidly(Http2FrameHeader? previous, Http2FrameHeader header)
    {
        bool blockOpen = previous is { Type: Http2FrameType.Headers or Http2FrameType.PushPromise or Http2FrameType.Continuation } p
            && !p.Has(Http2Flags.EndHeaders);
        if (blockOpen)
            return header.Type == Http2FrameType.Continuation && header.StreamId == previous!.Value.StreamId;
        return header.Type != Http2FrameType.Continuation;
    }

    private static bool OnlyFlags(Http2FrameHeader header, int allowed) => (header.Flags & ~allowed) == 0;
}
