namespace Capture.Traffic.Http2.Frames;

/// <summary>Frame types of RFC 9113 section 6. Other values are extension frames, which are skipped.</summary>
internal enum Http2FrameType : byte
{
    Data = 0,
    Headers = 1,
    Priority = 2,
    RstStream = 3,
    Settings = 4,
    PushPromise = 5,
    Ping = 6,
    GoAway = 7,
    WindowUpdate = 8,
    Continuation = 9,
}

/// <summary>Frame flags (RFC 9113 section 6); their meaning depends on the type.</summary>
internal static class Http2Flags
{
    public const byte EndStream = 0x1;
    public const byte Ack = 0x1;
    public const byte EndHeaders = 0x4;
    public const byte Padded = 0x8;
    public const byte Priority = 0x20;
}

/// <summary>SETTINGS parameters this library acts on (RFC 9113 section 6.5.2).</summary>
internal static class Http2Settings
{
    public const ushort HeaderTableSize = 0x1;
    public const ushort MaxFrameSize = 0x5;

    /// <summary>SETTINGS_MAX_FRAME_SIZE before a peer says otherwise, and the least it may say.</summary>
    public const int DefaultMaxFrameSize = 16384;
    /// <summary>The largest length a frame header can carry (24 bits).</summary>
    public const int LargestFrameSize = (1 << 24) - 1;
}
