using Capture.Traffic.Reassembly;
using Capture.Traffic.Redaction;

namespace Capture.Traffic.Har;

public sealed record HarConversionOptions
{
    public ExchangeFilter Filter { get; init; } = new();
    /// <summary>Null: no redaction. Otherwise what to redact besides the default headers and cookies.</summary>
    public RedactionRules? Redaction { get; init; }
    public bool Indented { get; init; }
    /// <summary>Bodies stream through temporary files past 1 MiB: see <see cref="ExtractorOptions.StreamingBodies"/>.</summary>
    public ExtractorOptions Extractor { get; init; } = ExtractorOptions.StreamingBodies;
    public string CreatorVersion { get; init; } = "0";
    /// <summary>A descriptor set: gRPC messages of the methods it knows are shown as JSON too ("_grpc").</summary>
    public Capture.Traffic.Grpc.ProtobufJson? Protobuf { get; init; }
}
