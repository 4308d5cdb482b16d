using Capture.Traffic.Reassembly;
using Capture.Traffic.Redaction;

namespace Capture.Traffic.Har;

public sealed record HarConversionOptions
{
    public ExchangeFilter Filter { get; init; } = new();
    /// <summary>Null: no redaction. Otherwise what to redact besides the default headers and cookies.</summary>
    public RedactionRules? Redaction { get; init; }
    public bool Indented { get; init; }
    public ExtractorOptions Extractor { get; init; } = ExtractorOptions.Default;
    public string CreatorVersion { get; init; } = "0";
}
