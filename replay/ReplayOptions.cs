using Capture.Replay.Comparison;
using Capture.Replay.Input;
using Capture.Replay.Sending;

namespace Capture.Replay;

/// <summary>How requests are spaced in time.</summary>
public enum TimingMode
{
    /// <summary>Recorded spacing divided by <see cref="ReplayOptions.Speed"/>.</summary>
    Speed,
    /// <summary><see cref="ReplayOptions.Rate"/> requests per second.</summary>
    Rate,
    /// <summary>As fast as <see cref="ReplayOptions.Concurrency"/> allows.</summary>
    Max,
}

/// <summary>Everything a replay run needs besides the plan.</summary>
public sealed record ReplayOptions
{
    /// <summary>Scheme, host, port (and an optional base path) requests are sent to.</summary>
    public required Uri Target { get; init; }
    public RequestRewrites Rewrites { get; init; } = new();

    public TimingMode Timing { get; init; } = TimingMode.Speed;
    public double Speed { get; init; } = 1.0;
    public double Rate { get; init; }
    /// <summary>Requests in flight at most.</summary>
    public int Concurrency { get; init; } = 32;
    /// <summary>Send requests of one recorded connection one after another, in recorded order (default).
    /// Off: every request is independent, for more parallelism when order does not matter.</summary>
    public bool KeepConnectionOrder { get; init; } = true;
    /// <summary>Times the whole plan is replayed.</summary>
    public int Loop { get; init; } = 1;
    /// <summary>Stop starting new requests after this long (loops the plan until then).</summary>
    public TimeSpan? Duration { get; init; }

    public ResilienceSettings Resilience { get; init; } = new();
    public ComparisonRules Comparison { get; init; } = new();

    /// <summary>The run passes when (mismatches + errors + skipped + not compared) / processed is at most this percentage.</summary>
    public double MaxMismatchPercent { get; init; }
    /// <summary>Answers whose body could not be compared do not count against <see cref="MaxMismatchPercent"/>.</summary>
    public bool AllowNotCompared { get; init; }
    /// <summary>Replayed bodies larger than this are not read further nor compared.</summary>
    public int MaxBodyBytes { get; init; } = 16 * 1024 * 1024;
    /// <summary>Accept any TLS certificate from the target (staging often has self-signed ones).</summary>
    public bool AllowInvalidCertificates { get; init; }
    /// <summary>Keep every replayed exchange in the report (for --har-out); off for long runs.</summary>
    public bool KeepExchanges { get; init; }
}
