namespace Capture.Replay.Sending;

/// <summary>The knobs of the per-request Polly pipeline.</summary>
public sealed record ResilienceSettings
{
    /// <summary>Limit for one attempt, from sending to the last body byte.</summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(10);
    /// <summary>Limit for a request including all retries and waits.</summary>
    public TimeSpan TotalTimeout { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>Retries after the first attempt, for transport failures and attempt timeouts.</summary>
    public int MaxRetries { get; init; } = 2;
    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromMilliseconds(100);
    /// <summary>Also retry methods that are not idempotent (POST, PATCH).</summary>
    public bool RetryUnsafe { get; init; }

    /// <summary>Open the circuit when this share of attempts in the window failed at transport level.</summary>
    public double BreakerFailureRatio { get; init; } = 0.5;
    public int BreakerMinimumThroughput { get; init; } = 20;
    public TimeSpan BreakerSamplingDuration { get; init; } = TimeSpan.FromSeconds(10);
    /// <summary>How long sending pauses when the circuit opens.</summary>
    public TimeSpan BreakDuration { get; init; } = TimeSpan.FromSeconds(2);
    /// <summary>After this many openings with no success in between the target is considered down:
    /// remaining requests are reported as errors without being sent.</summary>
    public int GiveUpAfterBreaks { get; init; } = 3;
}
