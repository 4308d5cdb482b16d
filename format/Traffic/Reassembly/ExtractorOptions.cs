using Capture.Traffic.Http;

namespace Capture.Traffic.Reassembly;

public sealed record ExtractorOptions
{
    public static ExtractorOptions Default { get; } = new();

    public HttpParserOptions Parser { get; init; } = HttpParserOptions.Default;

    /// <summary>Recognise a connection traced at both ends and keep one copy of each exchange (the client's).</summary>
    public bool MergeTwinConnections { get; init; } = true;

    /// <summary>How many finished exchanges the start-order window may hold before it must let the oldest go.</summary>
    public int MaxReorderExchanges { get; init; } = 50_000;

    /// <summary>How far behind the newest record timestamp a new request may still start (events of different CPUs interleave).</summary>
    public TimeSpan ClockSkew { get; init; } = TimeSpan.FromMilliseconds(100);
}
