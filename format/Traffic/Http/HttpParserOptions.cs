namespace Capture.Traffic.Http;

public sealed record HttpParserOptions
{
    public static HttpParserOptions Default { get; } = new();

    /// <summary>A head longer than this is malformed (servers typically refuse 8-64 KB).</summary>
    public int MaxHeadBytes { get; init; } = HttpHeadParser.DefaultMaxHeadBytes;

    /// <summary>Body bytes kept per message; the rest is counted but dropped and the message is marked truncated.</summary>
    public int MaxBodyBytes { get; init; } = 64 * 1024 * 1024;

    /// <summary>
    /// A body larger than this goes to a temporary file (<see cref="HttpMessage.SpilledBody"/>) instead of memory.
    /// The default, int.MaxValue, never spills: <see cref="HttpMessage.Body"/> then always holds the whole body.
    /// </summary>
    public int SpillBodiesOverBytes { get; init; } = int.MaxValue;

    /// <summary>Where spilled bodies go; null for the system's temporary directory ($TMPDIR, else /tmp).</summary>
    public string? SpillDirectory { get; init; }
}
