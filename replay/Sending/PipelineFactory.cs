using System.Threading.RateLimiting;
using Capture.Replay.Comparison;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;

namespace Capture.Replay.Sending;

/// <summary>
/// Builds the Polly v8 pipeline every request goes through, outermost first:
/// total timeout → retry (idempotent only, unless told) → circuit breaker → rate limiter → attempt timeout.
/// </summary>
public static class PipelineFactory
{
    /// <summary>Set per request: may this request be retried?</summary>
    public static readonly ResiliencePropertyKey<bool> Retryable = new("capture.retryable");

    public static ResiliencePipeline<ReceivedResponse> Create(
        ResilienceSettings settings, CircuitGate gate, RateLimiter? rateLimiter, Action onRetry)
    {
        var builder = new ResiliencePipelineBuilder<ReceivedResponse>();
        builder.AddTimeout(settings.TotalTimeout);
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
