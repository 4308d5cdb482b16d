namespace Capture.Format;

/// <summary>Running totals of what a writer has accepted; they become the trailer.</summary>
public sealed class CaptureTotals
{
    public ulong Records { get; internal set; }
    public ulong Connections { get; internal set; }
    public ulong DataEvents { get; internal set; }
    public ulong DataBytes { get; internal set; }
    public ulong LostEvents { get; internal set; }
    public ulong LostBytes { get; internal set; }
    public ulong Blocks { get; internal set; }
}
