using Capture.Traffic.Http;
using Capture.Traffic.Reassembly;
using Capture.Traffic.Redaction;

namespace Capture.Traffic.Har;

public sealed record HarConversionOptions
{
    public ExchangeFilter Filter { get; init; } = new();
    /// <summary>Null: no redaction. Otherwise what to redact besides the default headers and cookies.</summary>
    public RedactionRules? Redaction { get; init; }
    public bool Indented { get; init; }
    public ExtractorOptions Extractor { get; init; } = StreamingBodies;

    /// <summary>
    /// HAR's parsing: bodies of any size up to 2 GiB each, and those over 1 MiB kept in temporary files
    /// (see <see cref="HttpParserOptions.SpillBodiesOverBytes"/>) and streamed into the output, so memory
    /// does not grow with the size of bodies.
    /// </summary>
    public static ExtractorOptions StreamingBodies { get; } = ExtractorOptions.Default with
    {
        Parser = HttpParserOptions.Default with { MaxBodyBytes = int.MaxValue, SpillBodiesOverBytes = 1 << 20 },
    };
    public string CreatorVersion { get; init; } = "0";
}
