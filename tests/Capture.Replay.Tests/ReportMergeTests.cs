using Capture.Format;
using Capture.Replay.Input;
using Capture.Replay.Latency;
using Capture.Replay.Reporting;

namespace Capture.Replay.Tests;

/// <summary>The merge math on synthetic reports: counts add up, lists are capped, percentiles come from the added histograms.</summary>
public class ReportMergeTests
{
    /// <summary>Latencies with a long tail, in microseconds, from a fixed seed.</summary>
    static List<long> Latencies(int count, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => (long)(200 + Math.Pow(random.NextDouble(), 6) * 2_000_000)).ToList();
    }

    static LatencyRecorder Recorder(IEnumerable<long> micros)
    {
        var recorder = new LatencyRecorder();
        foreach (long m in micros)
            recorder.RecordMicroseconds(m);
        return recorder;
    }

    [Fact]
    public void Histograms_of_four_parts_add_up_to_the_histogram_of_the_whole()
    {
        var values = Latencies(10_000, 7);
        var whole = Recorder(values).Summarize();
        var merged = new LatencyRecorder();
        for (int part = 0; part < 4; part++)
            merged.Add(LatencyRecorder.Decode(Recorder(values.Where((_, i) => i % 4 == part)).Encode()));

        Assert.Equal(whole, merged.Summarize());
        Assert.StartsWith("HISTF", whole.Histogram); // the standard base64 form other HdrHistogram libraries read
    }

    [Theory]
    [InlineData("")]
    [InlineData("not base64!")]
    [InlineData("SElTVEZBQUFB")] // "HISTFAAA" alone
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    public void A_broken_histogram_is_a_format_error(string text) =>
        Assert.Throws<FormatException>(() => LatencyRecorder.Decode(text));

    [Fact]
    public void A_histogram_of_another_precision_is_refused()
    {
        var other = new HdrHistogram.LongHistogram(3_600_000_000L, 2);
        other.RecordValue(1000);
        var buffer = HdrHistogram.Utilities.ByteBuffer.Allocate(other.GetNeededByteBufferCapacity());
        int length = HdrHistogram.HistogramEncoding.EncodeIntoCompressedByteBuffer(other, buffer);
        buffer.Position = 0;
        var bytes = Enumerable.Range(0, length).Select(_ => buffer.Get()).ToArray();
        var e = Assert.Throws<FormatException>(() => LatencyRecorder.Decode(Convert.ToBase64String(bytes)));
        Assert.Contains("precision", e.Message);
    }

    /// <summary>A report as a shard writes it, from latencies and counts.</summary>
    static ReplayReport Report(int shard, int of, IReadOnlyList<long> replayMicros, IReadOnlyList<long> recordedMicros,
        int mismatched, int errors = 0, bool interrupted = false, int firstIndex = 0)
    {
        int total = replayMicros.Count + errors;
        var mismatches = Enumerable.Range(firstIndex, mismatched).Select(i => new MismatchReport(i, 0, "GET /x",
            new RequestSummary("GET", "http://t/x", "http://prod/x"), new ResponseSummary(200, null, "a", 1), new ResponseSummary(500, null, "b", 1),
            ["status: expected 200, got 500"])).ToList();
        var replay = Recorder(replayMicros).Summarize();
        var recorded = Recorder(recordedMicros).Summarize();
        return new ReplayReport
        {
            Source = "in.har",
            Target = "http://t/",
            InputSha256 = "ab",
            Shard = new Shard(shard, of),
            StartedAt = new DateTimeOffset(2026, 1, 1, 0, 0, shard, TimeSpan.Zero),
            DurationSeconds = 10,
            Interrupted = interrupted,
            Summary = ReplayGate.Apply(new ReplaySummary
            {
                Planned = total, Total = total, Matched = replayMicros.Count - mismatched, Mismatched = mismatched, Errors = errors,
                Filtered = 3,
                BodiesNotCompared = new Dictionary<string, int>(),
                ErrorKinds = errors > 0 ? new Dictionary<string, int> { ["timeout"] = errors } : new Dictionary<string, int>(),
                ReplayLatency = replay, RecordedLatency = recorded, ScheduleLag = new LatencyRecorder().Summarize(),
            }, interrupted, 0, false),
            Routes = [new RouteReport("GET /x", total, replayMicros.Count - mismatched, mismatched, 0, errors, 0, replay, recorded)],
            Mismatches = mismatches,
            Errors = [],
            Skipped = [],
        };
    }

    [Fact]
    public void Merged_counts_add_up_and_percentiles_equal_those_of_all_latencies_together()
    {
        var replay = Latencies(4000, 1);
        var recorded = Latencies(4000, 2);
        var reports = Enumerable.Range(0, 4).Select(k => new NamedReport($"r{k + 1}.json", Report(k + 1, 4,
            replay.Skip(k * 1000).Take(1000).ToList(), recorded.Skip(k * 1000).Take(1000).ToList(), mismatched: k, errors: 1, firstIndex: k * 1000))).ToList();
        foreach (var r in reports)
            ReportCheck.Validate(r.Name, r.Report);
        ShardCoverage.Check(reports);

        var merged = ReportMerger.Merge(reports, 1, false);

        Assert.Equal(4004, merged.Summary.Total);
        Assert.Equal(6, merged.Summary.Mismatched);
        Assert.Equal(4, merged.Summary.Errors);
        Assert.Equal(4, merged.Summary.ErrorKinds["timeout"]);
        Assert.Equal(3, merged.Summary.Filtered); // left out before sharding: counted once, not four times
        Assert.Equal([1000, 2000, 2001, 3000, 3001, 3002], merged.Mismatches.Select(m => m.Index));
        Assert.Equal(Math.Round(100.0 * 10 / 4004, 3), merged.Summary.MismatchPercent);
        Assert.True(merged.Summary.Passed);
        Assert.Equal(Recorder(replay).Summarize(), merged.Summary.ReplayLatency);
        Assert.Equal(Recorder(recorded).Summarize(), merged.Summary.RecordedLatency);
        var route = Assert.Single(merged.Routes);
        Assert.Equal(Recorder(recorded).Summarize(), route.RecordedLatency);
        Assert.Equal(4004, route.Count);
        Assert.Null(merged.Shard);
        Assert.Equal(["r1.json", "r2.json", "r3.json", "r4.json"], merged.MergedFrom);
        Assert.Equal(13, merged.DurationSeconds); // from the first start (second 1) to the last end (second 4 + 10)
    }

    [Fact]
    public void The_gate_is_applied_once_to_the_sum()
    {
        // Shard 1: 2 of 10 failed (20%), shard 2: none of 10. Together 10%.
        var reports = new List<NamedReport>
        {
            new("a", Report(1, 2, Latencies(10, 1), Latencies(10, 2), mismatched: 2)),
            new("b", Report(2, 2, Latencies(10, 3), Latencies(10, 4), mismatched: 0, firstIndex: 10)),
        };
        Assert.False(reports[0].Report.Summary.Passed);
        Assert.True(ReportMerger.Merge(reports, 10, false).Summary.Passed);
        Assert.False(ReportMerger.Merge(reports, 9.9, false).Summary.Passed);
        Assert.False(ReportMerger.Merge([reports[0], reports[1] with { Report = Report(2, 2, Latencies(10, 3), Latencies(10, 4), 0, interrupted: true) }], 100, false).Summary.Passed);
    }

    [Fact]
    public void Merged_lists_keep_the_single_report_cap_and_count_the_rest()
    {
        var a = Report(1, 2, Latencies(6000, 1), [], mismatched: 6000);
        var b = Report(2, 2, Latencies(6000, 2), [], mismatched: 6000, firstIndex: 6000);
        var merged = ReportMerger.Merge([new("a", a), new("b", b)], 0, false);
        Assert.Equal(ReportLimits.MaxListedMismatches, merged.Mismatches.Count);
        Assert.Equal(2000, merged.MismatchesNotListed);
        Assert.Equal(12000, merged.Summary.Mismatched);
    }

    [Fact]
    public void Missing_duplicate_and_foreign_shards_are_refused()
    {
        NamedReport Shard(string name, int k, int n, string sha = "ab") =>
            new(name, Report(k, n, Latencies(4, k), [], 0) with { InputSha256 = sha });

        Assert.Contains("shard 2/3 of the recording is missing",
            Assert.Throws<CaptureFormatException>(() => ShardCoverage.Check([Shard("a", 1, 3), Shard("c", 3, 3)])).Message);
        Assert.Contains("a and b are both shard 1/2",
            Assert.Throws<CaptureFormatException>(() => ShardCoverage.Check([Shard("a", 1, 2), Shard("b", 1, 2)])).Message);
        Assert.Contains("another recording",
            Assert.Throws<CaptureFormatException>(() => ShardCoverage.Check([Shard("a", 1, 2), Shard("b", 2, 2, "cd")])).Message);
        Assert.Contains("split the recording the same way",
            Assert.Throws<CaptureFormatException>(() => ShardCoverage.Check([Shard("a", 1, 2), Shard("b", 2, 3)])).Message);
        ShardCoverage.Check([Shard("b", 2, 2), Shard("a", 1, 2)]); // any order
    }

    [Fact]
    public void Hostile_reports_are_refused_with_a_sentence()
    {
        var good = Report(1, 1, Latencies(4, 1), [], 0);
        Assert.Contains("negative", Assert.Throws<CaptureFormatException>(() =>
            ReportCheck.Validate("r", good with { Summary = good.Summary with { Total = -1 } })).Message);
        Assert.Contains("no latency histograms", Assert.Throws<CaptureFormatException>(() =>
            ReportCheck.Validate("r", good with { Summary = good.Summary with { RecordedLatency = good.Summary.RecordedLatency with { Histogram = null } } })).Message);
        Assert.Contains("duration", Assert.Throws<CaptureFormatException>(() =>
            ReportCheck.Validate("r", good with { DurationSeconds = double.NaN })).Message);
        Assert.Contains("which input", Assert.Throws<CaptureFormatException>(() =>
            ReportCheck.Validate("r", good with { InputSha256 = null })).Message);
        var broken = good with { Summary = good.Summary with { ReplayLatency = good.Summary.ReplayLatency with { Histogram = "SElTVEZ" } } };
        ReportCheck.Validate("r", broken);
        Assert.Contains("latency histogram", Assert.Throws<CaptureFormatException>(() => ReportMerger.Merge([new("r", broken)], 0, false)).Message);
        var huge = good with { Summary = good.Summary with { Total = int.MaxValue } };
        Assert.Contains("more than a report can hold", Assert.Throws<CaptureFormatException>(() => ReportMerger.Merge([new("a", huge), new("b", huge)], 0, false)).Message);
    }
}
