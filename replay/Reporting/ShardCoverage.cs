using Capture.Format;
using Capture.Replay.Input;

namespace Capture.Replay.Reporting;

/// <summary>
/// The reports to merge must be the shards 1/N..N/N of one recording, each exactly once, run with the
/// same filters: otherwise the merge would count a connection twice or not at all, and a gate over it
/// would judge traffic that was never (or doubly) replayed. A report without a shard is shard 1/1.
/// </summary>
public static class ShardCoverage
{
    /// <summary>Throws a <see cref="CaptureFormatException"/> saying what overlaps, is missing or differs.</summary>
    public static void Check(IReadOnlyList<NamedReport> reports)
    {
        var first = reports[0];
        var firstShard = ShardOf(first.Report);
        var seen = new Dictionary<int, string>();
        foreach (var (name, report) in reports)
        {
            if (report.InputSha256 != first.Report.InputSha256)
                throw Problem($"{name} replayed another recording than {first.Name} (their input SHA-256 differ)");
            var shard = ShardOf(report);
            if (shard.Count != firstShard.Count)
                throw Problem($"{name} is shard {shard} but {first.Name} is shard {firstShard}: all must split the recording the same way");
            if (seen.TryGetValue(shard.Index, out var other))
                throw Problem($"{other} and {name} are both shard {shard}");
            seen[shard.Index] = name;
            if (report.Summary.Filtered != first.Report.Summary.Filtered || report.Summary.SkippedNotHttp != first.Report.Summary.SkippedNotHttp)
                throw Problem($"{name} and {first.Name} left out different requests (other filters?): their shards do not add up to one plan");
        }
        var missing = Enumerable.Range(1, firstShard.Count).Where(k => !seen.ContainsKey(k)).ToList();
        if (missing.Count > 0)
            throw Problem($"shard{(missing.Count > 1 ? "s" : "")} {string.Join(", ", missing.Take(10).Select(k => $"{k}/{firstShard.Count}"))}{(missing.Count > 10 ? ", ..." : "")} of the recording {(missing.Count > 1 ? "are" : "is")} missing");
    }

    static Shard ShardOf(ReplayReport report) => report.Shard ?? new Shard(1, 1);

    static CaptureFormatException Problem(string sentence) => new($"cannot merge: {sentence}.");
}

/// <summary>A report and the name it was read from (for messages and the merged report's list).</summary>
public sealed record NamedReport(string Name, ReplayReport Report);
