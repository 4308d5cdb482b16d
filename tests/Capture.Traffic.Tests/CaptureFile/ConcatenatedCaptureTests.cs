using Capture.Format;
using Capture.Traffic.Har;

namespace Capture.Traffic.Tests.CaptureFile;

/// <summary>
/// Issue 10, item 8: `cat a.tcap b.tcap > c.tcap`. Before the fix inspect and pcap read every record but
/// HAR dropped the second recording's exchanges: its connection ids (every recording counts from 1) were
/// taken for connections already closed, so its records were dropped as stragglers.
/// </summary>
public class ConcatenatedCaptureTests
{
    private static string Fixture(string relative) => Path.Combine(Har.HarValidatorTool.RepoRoot(), "fixtures", relative);

    public static TheoryData<string, string> Pairs => new()
    {
        { "recorded/demo-kestrel.tcap", "synthetic-api.tcap" },
        { "synthetic-api.tcap", "recorded/demo-kestrel.tcap" },
        { "recorded/demo-kestrel.tcap", "recorded/demo-kestrel.tcap" }, // the same ids and the same times twice
    };

    [Theory]
    [MemberData(nameof(Pairs))]
    public void Har_of_two_concatenated_captures_has_every_exchange_of_both(string first, string second)
    {
        byte[] a = File.ReadAllBytes(Fixture(first)), b = File.ReadAllBytes(Fixture(second));
        var (harA, _) = Convert(a);
        var (harB, _) = Convert(b);
        var (joined, stats) = Convert([.. a, .. b]);

        Assert.True(harA.Entries.Count > 0 && harB.Entries.Count > 0);
        Assert.Equal(harA.Entries.Count + harB.Entries.Count, joined.Entries.Count);
        // Nothing merged or changed: the same requests and answers, at the same wall-clock times.
        Assert.Equal(Keys(harA).Concat(Keys(harB)).Order(), Keys(joined).Order());
        Assert.Equal(2, stats.Segments);
        Assert.Equal(0, stats.CorruptBlocks);
        // Each recording's connections stay apart.
        int connectionsA = harA.Entries.Select(e => e.ConnectionId).Distinct().Count();
        int connectionsB = harB.Entries.Select(e => e.ConnectionId).Distinct().Count();
        Assert.Equal(connectionsA + connectionsB, joined.Entries.Select(e => e.ConnectionId).Distinct().Count());
    }

    [Fact]
    public void The_records_of_a_second_segment_keep_their_wall_clock_times_and_the_trailer_speaks_for_the_last_segment()
    {
        byte[] a = File.ReadAllBytes(Fixture("synthetic-api.tcap")), b = File.ReadAllBytes(Fixture("recorded/demo-kestrel.tcap"));
        var timesB = WallTimes(b);
        using var reader = new CaptureReader(new MemoryStream([.. a, .. b]));
        var all = reader.ReadRecords().Select(r => reader.Header.ToWallClock(r.TimestampNs)).ToList();
        Assert.Equal(timesB, all.TakeLast(timesB.Count));
        Assert.Equal(CleanClose(b), reader.Stats.CleanClose);

        using var cut = new CaptureReader(new MemoryStream([.. a, .. b[..(b.Length / 2)]]));
        _ = cut.ReadRecords().Count();
        Assert.True(CleanClose(a));
        Assert.False(cut.Stats.CleanClose); // a's trailer does not vouch for b, which was cut
    }

    [Fact]
    public void A_merged_capture_joined_after_a_recording_keeps_every_connection_apart_with_its_host()
    {
        byte[] a = File.ReadAllBytes(Fixture("synthetic-api.tcap")), kestrel = File.ReadAllBytes(Fixture("recorded/demo-kestrel.tcap"));
        byte[] merged = InMemoryMerge.Of(Renamed(a, "node-b"), kestrel); // host spaces 0 (node-b) and 1 (vm)
        var (harA, _) = Convert(a);
        var (harMerged, _) = Convert(merged);

        var (joined, stats) = Convert([.. a, .. merged]);

        Assert.Equal(2, stats.Segments);
        Assert.Equal(harA.Entries.Count + harMerged.Entries.Count, joined.Entries.Count);
        Assert.Equal(Keys(harA).Concat(Keys(harMerged)).Order(), Keys(joined).Order());
        var connections = joined.Entries.Select(e => e.ConnectionId).Distinct().Count();
        Assert.Equal(harA.Entries.Select(e => e.ConnectionId).Distinct().Count() + harMerged.Entries.Select(e => e.ConnectionId).Distinct().Count(), connections);
        // Each connection keeps its host: the first recording's header, the merged segment's host records.
        var hosts = joined.Entries.GroupBy(e => e.Host).ToDictionary(g => g.Key!, g => g.Count());
        var mergedHosts = harMerged.Entries.GroupBy(e => e.Host).ToDictionary(g => g.Key!, g => g.Count());
        Assert.Equal(harA.Entries.Count, hosts["fixture-host"]);
        Assert.Equal(mergedHosts["node-b"], hosts["node-b"]);
        Assert.Equal(mergedHosts["vm"], hosts["vm"]);
    }

    private static byte[] Renamed(byte[] capture, string host)
    {
        using var reader = new CaptureReader(new MemoryStream(capture));
        var output = new MemoryStream();
        using (var writer = new CaptureWriter(output, reader.Header with { HostName = host }))
        {
            foreach (var record in reader.ReadRecords().Where(r => r is not Capture.Format.Records.TrailerRecord))
                writer.Write(record);
            writer.Complete(0);
        }
        return output.ToArray();
    }

    private static List<DateTimeOffset> WallTimes(byte[] file)
    {
        using var reader = new CaptureReader(new MemoryStream(file));
        return reader.ReadRecords().Select(r => reader.Header.ToWallClock(r.TimestampNs)).ToList();
    }

    private static bool CleanClose(byte[] file)
    {
        using var reader = new CaptureReader(new MemoryStream(file));
        _ = reader.ReadRecords().Count();
        return reader.Stats.CleanClose;
    }

    private static IEnumerable<string> Keys(HarLog log) =>
        log.Entries.Select(e => $"{e.StartedDateTime:o} {e.Request.Method} {e.Request.Url} {e.Response.Status} {e.Response.Content.Size} {e.Time}");

    private static (HarLog Har, CaptureReadStats Stats) Convert(byte[] capture)
    {
        using var reader = new CaptureReader(new MemoryStream(capture));
        var output = new MemoryStream();
        HarConversion.Run(reader, output);
        return (HarReader.Read(new MemoryStream(output.ToArray())), reader.Stats);
    }
}
