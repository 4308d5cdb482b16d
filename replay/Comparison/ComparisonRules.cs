using Capture.Traffic.Json;

namespace Capture.Replay.Comparison;

/// <summary>What counts as "the same answer".</summary>
public sealed record ComparisonRules
{
    /// <summary>Compare only the status class (2xx, 4xx...) instead of the exact code.</summary>
    public bool StatusClassOnly { get; init; }
    /// <summary>Response headers whose values must match (case-insensitive names).</summary>
    public IReadOnlyList<string> CompareHeaders { get; init; } = [];
    /// <summary>JSON locations left out of body comparison.</summary>
    public IReadOnlyList<JsonPathPattern> IgnoreJson { get; init; } = [];
}
