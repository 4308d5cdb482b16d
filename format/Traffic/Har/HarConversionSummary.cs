namespace Capture.Traffic.Har;

/// <summary>What a conversion did, for the summary on stderr and --json-summary.</summary>
public sealed record HarConversionSummary
{
    public long Written { get; init; }
    public long Incomplete { get; init; }
    public long Malformed { get; init; }
    public long Truncated { get; init; }
    public long SkippedByFilter { get; init; }
    /// <summary>Exchanges with no request to describe (head lost in a gap, or only the response was recorded).</summary>
    public long SkippedNoRequest { get; init; }
    /// <summary>Exchanges left out because building their entry failed (a bug; should be 0).</summary>
    public long Failed { get; init; }
    public long Connections { get; init; }
    /// <summary>Connections decoded as HTTP/2 (their streams are among the exchanges).</summary>
    public long Http2Connections { get; init; }
    public long DuplicatesMerged { get; init; }
    public long GapBytes { get; init; }
    public long LostEvents { get; init; }
    public long CorruptBlocks { get; init; }
    public long OutOfOrder { get; init; }
    public long PayloadBytes { get; init; }
    /// <summary>Values replaced by redaction tokens (headers, cookies, query and form fields, JSON values).</summary>
    public long RedactedValues { get; init; }
    /// <summary>JSON bodies that stopped being JSON before their end, so redaction did not look past that point.</summary>
    public long RedactionUnparsedBodies { get; init; }
}
