namespace Capture.Format;

/// <summary>What a reader found so far: good and corrupt blocks, segments, skipped bytes, and whether the file ended cleanly.</summary>
public sealed class CaptureReadStats
{
    public long Blocks { get; internal set; }
    /// <summary>Captures joined into this file (with cat): 1 for a file written by one recording.</summary>
    public long Segments { get; internal set; } = 1;
    public long CorruptBlocks { get; internal set; }
    /// <summary>Bytes passed over while looking for the next sync marker after a corrupt block.</summary>
    public long SkippedBytes { get; internal set; }
    /// <summary>Bytes at the end of the file that do not (yet) form a whole block: a crash, or a recording still being written.</summary>
    public long IncompleteTailBytes { get; internal set; }
    public long Records { get; internal set; }
    /// <summary>Records of kinds this reader does not know, skipped.</summary>
    public long UnknownRecords { get; internal set; }
    /// <summary>True once the trailer of a clean stop has been read.</summary>
    public bool CleanClose { get; internal set; }
}
