using Capture.Format.Reassembly;

namespace Capture.Format.Har;

public sealed record HarConversionOptions
{
    public ExchangeFilter Filter { get; init; } = new();
    /// <summary>Null: no redaction. Otherwise the extra names to redact besides the defaults.</summary>
    public IReadOnlyList<string>? RedactNames { get; init; }
    public bool Indented { get; init; }
    public ExtractorOptions Extractor { get; init; } = ExtractorOptions.Default;
    public string CreatorVersion { get; init; } = "0";
}
