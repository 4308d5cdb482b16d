namespace Capture.Replay.Input;

/// <summary>The requests to replay, in recorded order, and what was left out while loading.</summary>
public sealed class ReplayPlan(IReadOnlyList<ReplayRequest> requests, string source, int skippedNotHttp = 0)
{
    public IReadOnlyList<ReplayRequest> Requests { get; } = requests;
    /// <summary>Where the plan came from (file path), for the report.</summary>
    public string Source { get; } = source;
    /// <summary>Entries that were not http(s) requests (data:, ws:, blob:) and cannot be replayed.</summary>
    public int SkippedNotHttp { get; } = skippedNotHttp;
    /// <summary>Entries removed by filters.</summary>
    public int Filtered { get; init; }
    /// <summary>SHA-256 of the input file (hex), so reports of shards can tell they replayed the same recording.</summary>
    public string? InputSha256 { get; init; }
    /// <summary>The shard this plan holds, or null for the whole recording.</summary>
    public Shard? Shard { get; init; }

    /// <summary>Time from the first recorded start to the last, used to space loops.</summary>
    public TimeSpan RecordedSpan => Requests.Count == 0
        ? TimeSpan.Zero
        : Requests[^1].StartedAt - Requests[0].StartedAt;

    /// <summary>The requests that pass <paramref name="keep"/>; they keep their index so reports point into the recording.</summary>
    public ReplayPlan Where(Func<ReplayRequest, bool> keep)
    {
        var kept = Requests.Where(keep).ToList();
        return new ReplayPlan(kept, Source, SkippedNotHttp) { Filtered = Filtered + Requests.Count - kept.Count, InputSha256 = InputSha256, Shard = Shard };
    }

    /// <summary>The connections of <paramref name="shard"/> (after filters); the others are not this shard's, not filtered out.</summary>
    public ReplayPlan ForShard(Shard shard) =>
        new(Requests.Where(shard.Contains).ToList(), Source, SkippedNotHttp) { Filtered = Filtered, InputSha256 = InputSha256, Shard = shard };

    /// <summary>The same plan, marked with the hash of the file it was read from.</summary>
    public ReplayPlan WithInputSha256(string sha256) =>
        new(Requests, Source, SkippedNotHttp) { Filtered = Filtered, InputSha256 = sha256, Shard = Shard };
}
