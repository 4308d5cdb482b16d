namespace Capture.Format;

public sealed record CaptureWriterOptions
{
    /// <summary>Uncompressed bytes of records gathered before a block is written. Bigger compresses better; smaller loses less on a crash.</summary>
    public int BlockSize { get; init; } = 1 << 20;

    /// <summary>Compress blocks with LZ4 (a block that does not shrink is stored as is).</summary>
    public bool Compress { get; init; } = true;
}
