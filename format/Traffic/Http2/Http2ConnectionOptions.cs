using Capture.Traffic.Http;

namespace Capture.Traffic.Http2;

internal sealed record Http2ConnectionOptions
{
    public static Http2ConnectionOptions Default { get; } = new();

    /// <summary>Body octets kept per message; the rest is counted but dropped and the message is marked truncated.</summary>
    public int MaxBodyBytes { get; init; } = HttpParserOptions.Default.MaxBodyBytes;

    /// <summary>A header block (HEADERS plus CONTINUATION) longer than this is dropped as malformed, bounding memory.</summary>
    public int MaxHeaderBlockBytes { get; init; } = 1024 * 1024;
}
