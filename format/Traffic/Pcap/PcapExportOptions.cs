namespace Capture.Traffic.Pcap;

public sealed record PcapExportOptions
{
    public const int MinimumMtu = 576;
    public const int MaximumMtu = 65535;

    /// <summary>Link MTU the segments are cut for: MSS = MTU - IP header - TCP header (1460 for IPv4 at 1500).</summary>
    public int Mtu { get; init; } = 1500;

    public ConnectionSelector Selector { get; init; } = ConnectionSelector.All;
}
