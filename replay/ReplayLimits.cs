namespace Capture.Replay;

/// <summary>
/// The ranges every replay number must fall in (checked by <see cref="ReplayRunner"/> and, as usage errors,
/// by the CLI). Beyond them a run is not meaningful, and some values would not fit a TimeSpan, a timer or memory.
/// </summary>
public static class ReplayLimits
{
    public const int MaxConcurrency = 10_000;
    public const int MaxLoop = 1_000_000;
    public const int MaxRetries = 100;
    /// <summary>--speed 0.001 is 1000 times slower than recorded; 1,000,000 is as fast as anything gets.</summary>
    public const double MinSpeed = 0.001, MaxSpeed = 1_000_000;
    /// <summary>Requests per second: one every 1000 s up to a million per second.</summary>
    public const double MinRate = 0.001, MaxRate = 1_000_000;
    public static readonly TimeSpan MinTimeout = TimeSpan.FromMilliseconds(10), MaxTimeout = TimeSpan.FromDays(1);
    public static readonly TimeSpan MinDuration = TimeSpan.FromMilliseconds(1), MaxDuration = TimeSpan.FromDays(365);
    public static readonly TimeSpan MinBreakDuration = TimeSpan.FromMilliseconds(500);
}
