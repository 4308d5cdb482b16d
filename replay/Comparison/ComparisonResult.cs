namespace Capture.Replay.Comparison;

/// <summary>How one replayed answer compares with the recorded one.</summary>
internal sealed record ComparisonResult(
    bool StatusMatches,
    IReadOnlyList<string> HeaderDifferences,
    BodyVerdict Body,
    IReadOnlyList<string> BodyDifferences)
{
    public bool IsMatch => StatusMatches && HeaderDifferences.Count == 0 && Body != BodyVerdict.Different;

    /// <summary>A short, human-readable list of what differs.</summary>
    public IReadOnlyList<string> Differences(int expectedStatus, int actualStatus)
    {
        var list = new List<string>();
        if (!StatusMatches)
            list.Add($"status: expected {expectedStatus}, got {actualStatus}");
        list.AddRange(HeaderDifferences);
        list.AddRange(BodyDifferences);
        return list;
    }
}
