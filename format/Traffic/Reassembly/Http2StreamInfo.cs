namespace Capture.Traffic.Reassembly;

/// <summary>What an exchange carried over HTTP/2 has that an HTTP/1.x one does not.</summary>
public sealed record Http2StreamInfo
{
    /// <summary>The protocol name as RFC 9113 writes it; also each message's <c>Version</c>.</summary>
    public const string Version = "HTTP/2";

    public required int StreamId { get; init; }
    /// <summary>Some header fields referred to HPACK entries inserted before recording began: they are not shown, never guessed.</summary>
    public bool HpackIncomplete { get; init; }
    /// <summary>How many header fields (request and response) could not be decoded.</summary>
    public int UnknownHeaderFields { get; init; }
    /// <summary>Framing was lost in a gap while the stream was open: frames of it may be missing.</summary>
    public bool MayMissFrames { get; init; }
    /// <summary>RST_STREAM ended the stream: its error code (RFC 9113 section 7) and who sent it.</summary>
    public uint? ResetErrorCode { get; init; }
    public TrafficDirection? ResetBy { get; init; }
    /// <summary>A GOAWAY said the peer never processed this stream.</summary>
    public bool RefusedByGoAway { get; init; }
    /// <summary>A pushed stream: the stream whose PUSH_PROMISE announced it.</summary>
    public int? PromisedOnStream { get; init; }

    /// <summary>RFC 9113 section 7's name for an error code ("CANCEL"), or the number.</summary>
    public static string ErrorName(uint code) => code switch
    {
        0x0 => "NO_ERROR",
        0x1 => "PROTOCOL_ERROR",
        0x2 => "INTERNAL_ERROR",
        0x3 => "FLOW_CONTROL_ERROR",
        0x4 => "SETTINGS_TIMEOUT",
        0x5 => "STREAM_CLOSED",
        0x6 => "FRAME_SIZE_ERROR",
        0x7 => "REFUSED_STREAM",
        0x8 => "CANCEL",
        0x9 => "COMPRESSION_ERROR",
        0xa => "CONNECT_ERROR",
        0xb => "ENHANCE_YOUR_CALM",
        0xc => "INADEQUATE_SECURITY",
        0xd => "HTTP_1_1_REQUIRED",
        _ => "0x" + code.ToString("x", System.Globalization.CultureInfo.InvariantCulture),
    };
}
