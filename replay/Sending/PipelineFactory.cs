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
internal static class PipelineFactory
{
    /// <summary>Set per request: may this request be retried?</summary>
    public static readonly ResiliencePropertyKey<bool> Retryable = new("capture.retryable");

    /// <summary>Set per request: the run clock's timestamp its total timeout ends at (the sender's pauses count too).</summary>
    public static readonly ResiliencePropertyKey<long> Deadline = new("capture.deadline");

    /// <summary>The timestamp of <paramref name="time"/> that lies <paramref name="timeout"/> from now.</summary>
    public static long DeadlineAfter(TimeProvider time, TimeSpan timeout) => time.GetTimestamp() + (long)(timeout.TotalSeconds * time.TimestampFrequency);

    public static TimeSpan TimeLeft(TimeProvider time, long deadline) => time.GetElapsedTime(time.GetTimestamp(), deadline);

    public static ResiliencePipeline<ReceivedResponse> Create(
        ResilienceSettings settings, CircuitGate gate, RateLimiter? rateLimiter, Action onRetry, TimeProvider time)
    {
        // Polly's timeouts, retry delays and circuit-breaker windows all run on the replay's clock.
        var builder = new ResiliencePipelineBuilder<ReceivedResponse> { TimeProvider = time };
        // The total timeout is what is left until the request's deadline: time spent before this run of the
        // pipeline (circuit-breaker pauses in the sender) is already gone. Never zero: that would mean no limit.
        builder.AddTimeout(new TimeoutStrategyOptions
        {
            TimeoutGenerator = args => ValueTask.FromResult(
                args.Context.Properties.TryGetValue(Deadline, out long deadline)
                    ? Max(TimeLeft(time, deadline), TimeSpan.FromMilliseconds(1))
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

}
