using Capture.Traffic.Grpc;
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
    /// <summary>A protobuf descriptor set (--proto-descriptors): gRPC messages of its methods compare as JSON, under <see cref="IgnoreJson"/>.</summary>
    public ProtobufJson? Protobuf { get; init; }
}
