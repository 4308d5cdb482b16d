namespace Capture.Traffic.Tests.Pcap;

/// <summary>Checks of what tshark makes of a pcapng file.</summary>
internal static class WiresharkAssert
{
    private const long WarningSeverity = 0x0060_0000; // Wireshark's PI_WARN; PI_ERROR (malformed) is above it

    /// <summary>
    /// Every frame has good IPv4 and TCP checksums, nothing is malformed, and no expert info reaches
    /// warning level except on frames matching <paramref name="allowedWarnings"/> (a display filter).
    /// </summary>
    public static void CleanDissection(string pcap, string? allowedWarnings = null)
    {
        Assert.Empty(Tshark.Fields(pcap, "_ws.malformed", "frame.number"));

        HashSet<string> allowed = allowedWarnings is null
            ? []
            : Tshark.Fields(pcap, allowedWarnings, "frame.number").Select(row => row[0]).ToHashSet();
        var rows = Tshark.Fields(pcap, null, "frame.number", "ip.version", "ip.checksum.status", "tcp.checksum.status", "_ws.expert.severity");
        Assert.NotEmpty(rows);
        foreach (string[] row in rows)
        {
            string frame = row[0];
            if (row[1] == "4")
                Assert.True(row[2] == "1", $"frame {frame}: IPv4 header checksum status {row[2]}, expected 1 (good)");
            Assert.True(row[3] == "1", $"frame {frame}: TCP checksum status {row[3]}, expected 1 (good)");
            long worst = row[4].Split(',', StringSplitOptions.RemoveEmptyEntries).Select(long.Parse).DefaultIfEmpty(0).Max();
            if (!allowed.Contains(frame))
                Assert.True(worst < WarningSeverity, $"frame {frame}: expert info of severity 0x{worst:x} (warning or worse)");
        }
    }

    public static List<(string Method, string Uri)> Requests(string pcap) =>
        Tshark.Fields(pcap, "http.request", "http.request.method", "http.request.uri").Select(r => (r[0], r[1])).ToList();

    public static List<string> ResponseCodes(string pcap) =>
        Tshark.Fields(pcap, "http.response", "http.response.code").Select(r => r[0]).ToList();

    public static int Count(string pcap, string displayFilter) => Tshark.Fields(pcap, displayFilter, "frame.number").Count;
}
