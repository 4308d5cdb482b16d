using Capture.Traffic.Http;

namespace Capture.Traffic.Reassembly;

public sealed record ExtractorOptions
{
    public static ExtractorOptions Default { get; } = new();

    /// <summary>
    /// For sinks that must not hold bodies in memory (HAR, ls): bodies of any size up to 2 GiB each, and
    /// those over 1 MiB in temporary files (see <see cref="HttpParserOptions.SpillBodiesOverBytes"/>),
    /// so memory does not grow with the size of bodies. Such a sink disposes each exchange it is done with.
    /// </summary>
    public static ExtractorOptions StreamingBodies { get; } = new()
    {
        Parser = HttpParserOptions.Default with { MaxBodyBytes = int.MaxValue, SpillBodiesOverBytes = 1 << 20 },
    };

    public HttpParserOptions Parser { get; init; } = HttpParserOptions.Default;

    /// <summary>Recognise a connection traced at both ends and keep one copy of each exchange (the client's).</summary>
    public bool MergeTwinConnections { get; init; } = true;

    /// <summary>How many finished exchanges the start-order window may hold before it must let the oldest go.</summary>
    public int MaxReorderExchanges { get; init; } = 50_000;

    /// <summary>How far behind the newest record timestamp a new request may still start (events of different CPUs interleave).</summary>
    public TimeSpan ClockSkew { get; init; } = TimeSpan.FromMilliseconds(100);
}
