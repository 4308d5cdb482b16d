using System.Diagnostics;
using System.Threading.RateLimiting;
using Capture.Replay.Comparison;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Polly.Timeout;

namespace Capture.Replay.Sending;

/// <summary>
/// Builds the Polly v8 pipeline every request goes through, outermost first:
/// total timeout → retry (idempotent only, unless told) → circuit breaker → rate limiter → attempt timeout.
/// </summary>
public static class PipelineFactory
{
    /// <summary>Set per request: may this request be retried?</summary>
    public static readonly ResiliencePropertyKey<bool> Retryable = new("capture.retryable");

    /// <summary>Set per request: the Stopwatch timestamp its total timeout ends at (the sender's pauses count too).</summary>
    public static readonly ResiliencePropertyKey<long> Deadline = new("capture.deadline");

    public static long DeadlineAfter(TimeSpan timeout) => Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);

    public static TimeSpan TimeLeft(long deadline) => Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), deadline);

    public static ResiliencePipeline<ReceivedResponse> Create(
        ResilienceSettings settings, CircuitGate gate, RateLimiter? rateLimiter, Action onRetry)
    {
        var builder = new ResiliencePipelineBuilder<ReceivedResponse>();
        // The total timeout is what is left until the request's deadline: time spent before this run of the
        // pipeline (circuit-breaker pauses in the sender) is already gone. Never zero: that would mean no limit.
        builder.AddTimeout(new TimeoutStrategyOptions
        {
            TimeoutGenerator = args => ValueTask.FromResult(
                args.Context.Properties.TryGetValue(Deadline, out long deadline)
                    ? Max(TimeLeft(deadline), TimeSpan.FromMilliseconds(1))
                    : settings.TotalTimeout),
        });
        if (settings.MaxRetries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions<ReceivedResponse>
            {
                MaxRetryAttempts = settings.MaxRetries,
                Delay = settings.RetryBaseDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                ShouldHandle = args => ValueTask.FromResult(
                    args.Outcome.Exception is { } e && ErrorKinds.IsTransient(e) &&
                    args.Context.Properties.GetValue(Retryable, false)),
                OnRetry = _ => { onRetry(); return ValueTask.CompletedTask; },
            });
        }
        builder.AddCircuitBreaker(new CircuitBreakerStrategyOptions<ReceivedResponse>
        {
            FailureRatio = settings.BreakerFailureRatio,
            MinimumThroughput = settings.BreakerMinimumThroughput,
            SamplingDuration = settings.BreakerSamplingDuration,
            BreakDuration = settings.BreakDuration,
            // Only transport failures mean "the target fails hard"; a 500 is an answer to compare.
            ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is { } e && ErrorKinds.IsTransient(e)),
            OnOpened = args => { gate.Opened(args.BreakDuration); return ValueTask.CompletedTask; },
            OnClosed = _ => { gate.Closed(); return ValueTask.CompletedTask; },
        });
        if (rateLimiter is not null)
            builder.AddRateLimiter(rateLimiter);
        builder.AddTimeout(settings.AttemptTimeout);
        return builder.Build();
    }

    static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    /// <summary>
    /// A token bucket refilled in small steps so that N requests per second come out evenly;
    /// requests over the rate queue instead of being rejected.
    /// </summary>
    public static RateLimiter CreateRateLimiter(double requestsPerSecond)
    {
        // Timers tick no finer than about a millisecond: above 100/s refill every 10 ms in batches.
        var period = TimeSpan.FromSeconds(Math.Max(1.0 / requestsPerSecond, 0.010));
        int tokens = Math.Max(1, (int)Math.Round(requestsPerSecond * period.TotalSeconds));
        return new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            TokenLimit = tokens,
            TokensPerPeriod = tokens,
            ReplenishmentPeriod = period,
            QueueLimit = int.MaxValue,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
            AutoReplenishment = true,
        });
    }
}
