using System.Diagnostics;
using Capture.Replay.Comparison;
using Capture.Replay.Input;
using Capture.Replay.Reporting;
using Capture.Replay.Scheduling;
using Capture.Replay.Sending;

namespace Capture.Replay;

/// <summary>Replays a plan against a target and reports how the answers compare with the recording.</summary>
public static class ReplayRunner
{
    static readonly TimeSpan ProgressInterval = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// Runs the whole replay. Target failures (refused, reset, timeouts) become report entries;
    /// cancelling <paramref name="ct"/> stops sending and returns the partial report marked interrupted.
    /// Every wait, timeout and time in the report comes from <paramref name="time"/> (the system clock when null).
    /// </summary>
    public static async Task<ReplayReport> RunAsync(ReplayPlan plan, ReplayOptions options,
        IProgress<ReplayProgress>? progress = null, CancellationToken ct = default, TimeProvider? time = null)
    {
        Validate(options);
        time ??= TimeProvider.System;
        using var handler = TargetHandler.CreateRouting(options);
        // HttpClient's base class: HttpClient itself would add a linked cancellation source and an
        // async layer per request for what replay does not use (its timeout, base address, default headers).
        using var client = new HttpMessageInvoker(handler);
        using var limiter = options.Timing == TimingMode.Rate ? new RateLimit(options.Rate, time) : null;

        var collector = new ResultCollector(options.Comparison, options.KeepExchanges);
        var gate = new CircuitGate(options.Resilience.GiveUpAfterBreaks, time);
        var pipeline = PipelineFactory.Create(options.Resilience, gate, limiter, collector.CountRetry, time);
        var factory = new RequestFactory(options.Target, options.Rewrites);
        var sender = new ExchangeSender(client, factory, pipeline, gate, options.Resilience, options.MaxBodyBytes, time);
        var comparer = new ResponseComparer(options.Comparison);

        var startedAt = time.GetUtcNow();
        var clock = new RunClock(time);
        int? expected = options.Duration is null ? (int)Math.Min(int.MaxValue, (long)plan.Requests.Count * options.Loop) : null;

        async Task Process(ScheduledRequest item, TimeSpan lag, CancellationToken token)
        {
            var sentAt = startedAt + clock.Elapsed;
            SendOutcome outcome;
            ComparisonResult? comparison = null;
            try
            {
                outcome = await sender.SendAsync(item.Request, token).ConfigureAwait(false);
                if (outcome.Response is { } response)
                    comparison = comparer.Compare(item.Request, response);
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                return; // interrupted by the user: neither a result nor an error
            }
            catch (Exception e)
            {
                outcome = new SendOutcome(factory.UrlFor(item.Request), null, ErrorKinds.Classify(e), ErrorKinds.Describe(e), TimeSpan.Zero, 0);
            }
            collector.Add(item.Request, item.Iteration, outcome, comparison, lag, sentAt);
        }

        using var progressStop = new CancellationTokenSource();
        var progressTask = progress is null ? Task.CompletedTask : ReportProgressAsync(collector, progress, expected, clock, progressStop.Token);

        IDispatcher dispatcher = options.Timing == TimingMode.Max
            ? new BackToBackDispatcher(options.Concurrency, options.Duration, options.KeepConnectionOrder)
            : new Dispatcher(options.Concurrency, options.Duration, options.KeepConnectionOrder);
        bool completed = await dispatcher.RunAsync(Schedule.For(plan, options), clock, Process, ct).ConfigureAwait(false);
        var elapsed = clock.Elapsed;

        await progressStop.CancelAsync().ConfigureAwait(false);
        await progressTask.ConfigureAwait(false);
        progress?.Report(collector.Snapshot(expected, 0, elapsed));

        // Cancelled after the last request was started is interrupted too: requests in flight then have no result.
        bool interrupted = !completed || ct.IsCancellationRequested;
        return collector.Build(plan, options, startedAt, elapsed, interrupted, gate.Breaks);
    }

    static async Task ReportProgressAsync(ResultCollector collector, IProgress<ReplayProgress> progress, int? expected, RunClock clock, CancellationToken stop)
    {
        int lastCompleted = 0;
        var lastTime = clock.Elapsed;
        using var timer = new PeriodicTimer(ProgressInterval, clock.Time);
        try
        {
            while (await timer.WaitForNextTickAsync(stop).ConfigureAwait(false))
            {
                var now = clock.Elapsed;
                var snapshot = collector.Snapshot(expected, 0, now);
                double rate = (snapshot.Completed - lastCompleted) / Math.Max((now - lastTime).TotalSeconds, 1e-3);
                lastCompleted = snapshot.Completed;
                lastTime = now;
                progress.Report(snapshot with { CurrentRate = Math.Round(rate, 1) });
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    static void Validate(ReplayOptions options)
    {
        if (!options.Target.IsAbsoluteUri || (options.Target.Scheme != Uri.UriSchemeHttp && options.Target.Scheme != Uri.UriSchemeHttps))
            throw new ArgumentException($"The target '{options.Target}' must be an absolute http:// or https:// URL.");
        if (options.Timing == TimingMode.Speed && !(options.Speed is >= ReplayLimits.MinSpeed and <= ReplayLimits.MaxSpeed))
            throw new ArgumentException($"The speed factor must be between {ReplayLimits.MinSpeed} and {ReplayLimits.MaxSpeed:0}.");
        if (options.Timing == TimingMode.Rate && !(options.Rate is >= ReplayLimits.MinRate and <= ReplayLimits.MaxRate))
            throw new ArgumentException($"The rate must be between {ReplayLimits.MinRate} and {ReplayLimits.MaxRate:0} requests per second.");
        if (options.Concurrency is < 1 or > ReplayLimits.MaxConcurrency)
            throw new ArgumentException($"The concurrency must be between 1 and {ReplayLimits.MaxConcurrency}.");
        if (options.Loop < 1)
            throw new ArgumentException("The loop count must be at least 1.");
        if (!double.IsFinite(options.MaxMismatchPercent) || options.MaxMismatchPercent is < 0 or > 100)
            throw new ArgumentException("The allowed mismatch percentage must be between 0 and 100.");
        var r = options.Resilience;
        if (r.AttemptTimeout < ReplayLimits.MinTimeout || r.TotalTimeout < ReplayLimits.MinTimeout ||
            r.AttemptTimeout > ReplayLimits.MaxTimeout || r.TotalTimeout > ReplayLimits.MaxTimeout)
            throw new ArgumentException("Timeouts must be between 10 ms and 1 day.");
        if (r.MaxRetries is < 0 or > ReplayLimits.MaxRetries)
            throw new ArgumentException($"The retry count must be between 0 and {ReplayLimits.MaxRetries}.");
        if (r.BreakDuration < ReplayLimits.MinBreakDuration)
            throw new ArgumentException("The circuit break duration must be at least 500 ms.");
        if (options.Duration is { } d && (d < ReplayLimits.MinDuration || d > ReplayLimits.MaxDuration))
            throw new ArgumentException("The duration must be between 1 ms and 365 days.");
    }
}
