using System.Buffers;
using Capture.Replay.Comparison;
using Capture.Replay.Input;
using Polly;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace Capture.Replay.Sending;

/// <summary>Sends one recorded request through the pipeline and reads the whole answer.</summary>
internal sealed class ExchangeSender(HttpMessageInvoker client, RequestFactory factory, ResiliencePipeline<ReceivedResponse> pipeline,
    CircuitGate gate, ResilienceSettings settings, int maxBodyBytes, TimeProvider time)
{
    static readonly HashSet<string> Idempotent = new(StringComparer.OrdinalIgnoreCase)
        { "GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE" };

    // The usual spellings without hashing; anything else through the case-insensitive set.
    static bool IsIdempotent(string method) => method is "GET" or "HEAD" or "PUT" or "DELETE" or "OPTIONS" or "TRACE" || Idempotent.Contains(method);

    /// <summary>What one request's attempts share: passed to the pipeline as state, so no closure per request.</summary>
    sealed class Attempts(ExchangeSender sender, ReplayRequest request)
    {
        public readonly ExchangeSender Sender = sender;
        public readonly ReplayRequest Request = request;
        public int Count;
        public TimeSpan LastLatency;
    }

    static readonly Func<ResilienceContext, Attempts, ValueTask<Outcome<ReceivedResponse>>> Attempt =
        static (context, attempts) => attempts.Sender.AttemptAsync(attempts, context.CancellationToken);

    static readonly TimeSpan ShortestPause = TimeSpan.FromMilliseconds(20);

    /// <summary>
    /// Never throws for target failures; throws OperationCanceledException only when <paramref name="ct"/> is cancelled.
    /// The total timeout bounds everything from here: attempts, retries and the circuit breaker's pauses.
    /// </summary>
    public async Task<SendOutcome> SendAsync(ReplayRequest request, CancellationToken ct)
    {
        string url = factory.UrlFor(request);
        if (factory.RefusalFor(request) is string refusal)
            return SendOutcome.Refused(url, refusal);
        var attempts = new Attempts(this, request);
        long deadline = PipelineFactory.DeadlineAfter(time, settings.TotalTimeout);
        var pause = gate.OpenFor();
        while (true)
        {
            if (gate.GaveUp)
                return new SendOutcome(url, null, ErrorKinds.CircuitOpen,
                    attempts.Count == 0
                        ? "not sent: the target kept failing and the circuit breaker stopped sending"
                        : $"given up after {attempts.Count} attempt(s): the target kept failing and the circuit breaker stopped sending",
                    attempts.LastLatency, attempts.Count);
            if (pause > TimeSpan.Zero)
            {
                // Waiting past the deadline would only end in a timeout: end in it now.
                if (pause >= PipelineFactory.TimeLeft(time, deadline))
                    return TotalTimeout(url, attempts, "the circuit breaker's pause would outlast it");
                await Task.Delay(pause, time, ct).ConfigureAwait(false);
            }

            var context = ResilienceContextPool.Shared.Get(ct);
            context.Properties.Set(PipelineFactory.Retryable, settings.RetryUnsafe || IsIdempotent(request.Method));
            context.Properties.Set(PipelineFactory.Deadline, deadline);
            try
            {
                // ExecuteOutcomeAsync: ExecuteAsync would add two async wrappers per request around the
                // same outcome. Failures are rethrown here so the handlers below see them as before.
                var outcome = await pipeline.ExecuteOutcomeAsync(Attempt, context, attempts).ConfigureAwait(false);
                outcome.ThrowIfException();
                return new SendOutcome(url, outcome.Result, null, null, attempts.LastLatency, attempts.Count);
            }
            catch (BrokenCircuitException e)
            {
                // The circuit opened or is half-open with a probe in flight: pause, then try again.
                pause = e.RetryAfter is { } after && after > ShortestPause ? after : ShortestPause;
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                throw;
            }
            catch (TimeoutRejectedException) when (PipelineFactory.TimeLeft(time, deadline) <= TimeSpan.Zero)
            {
                return TotalTimeout(url, attempts, null);
            }
            catch (Exception e)
            {
                return new SendOutcome(url, null, ErrorKinds.Classify(e), ErrorKinds.Describe(e), attempts.LastLatency, attempts.Count);
            }
            finally
            {
                ResilienceContextPool.Shared.Return(context);
            }
        }
    }

    SendOutcome TotalTimeout(string url, Attempts attempts, string? why) => new(url, null, ErrorKinds.Timeout,
        $"no answer within the total timeout of {settings.TotalTimeout.TotalSeconds:0.###} s " +
        $"({attempts.Count} attempt(s){(why is null ? "" : "; " + why)})",
        attempts.LastLatency, attempts.Count);

    /// <summary>
    /// One attempt: send, then read the whole answer; its time on the replay's clock is kept as the request's latency.
    /// A failure is returned as the outcome, as the pipeline's outcome callbacks must not throw.
    /// </summary>
    async ValueTask<Outcome<ReceivedResponse>> AttemptAsync(Attempts attempts, CancellationToken ct)
    {
        attempts.Count++;
        long started = time.GetTimestamp();
        try
        {
            using var message = factory.Create(attempts.Request);
            // Returns once the headers are in (the handler does not buffer); the body is read below.
            using var response = await client.SendAsync(message, ct).ConfigureAwait(false);
            var headers = new List<HeaderField>(response.Headers.NonValidated.Count + response.Content.Headers.NonValidated.Count);
            // NonValidated: the values as received, without parsing every header into typed objects.
            foreach (var h in response.Headers.NonValidated)
                foreach (string v in h.Value)
                    headers.Add(new HeaderField(h.Key, v));
            foreach (var h in response.Content.Headers.NonValidated)
                foreach (string v in h.Value)
                    headers.Add(new HeaderField(h.Key, v));

            var (body, truncated) = await ReadBodyAsync(response.Content, ct).ConfigureAwait(false);
            return Outcome.FromResult(new ReceivedResponse((int)response.StatusCode, headers, body, truncated) { Trailers = Trailers(response), HttpVersion = response.Version });
        }
        catch (Exception e)
        {
            return Outcome.FromException<ReceivedResponse>(e);
        }
        finally
        {
            attempts.LastLatency = time.GetElapsedTime(started);
        }
    }

    /// <summary>
    /// The trailers, known once the body has been read to its end. Read for HTTP/2 answers only (gRPC's status is
    /// there): asking an HTTP/1.1 answer for them would allocate a header collection per request for nothing.
    /// </summary>
    static IReadOnlyList<HeaderField> Trailers(HttpResponseMessage response)
    {
        if (response.Version.Major < 2 || response.TrailingHeaders.NonValidated.Count == 0)
            return [];
        var trailers = new List<HeaderField>();
        foreach (var h in response.TrailingHeaders.NonValidated)
            foreach (string v in h.Value)
                trailers.Add(new HeaderField(h.Key, v));
        return trailers;
    }

    /// <summary>Reads the body up to the cap; a body announced within the cap is read in one go.</summary>
    async ValueTask<(byte[], bool)> ReadBodyAsync(HttpContent content, CancellationToken ct)
    {
        if (content.Headers.ContentLength is long length && length <= maxBodyBytes)
            return (await content.ReadAsByteArrayAsync(ct).ConfigureAwait(false), false);
        await using var stream = await content.ReadAsStreamAsync(ct).ConfigureAwait(false);
        var buffer = new MemoryStream();
        byte[] chunk = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            int read;
            while ((read = await stream.ReadAsync(chunk, ct).ConfigureAwait(false)) > 0)
            {
                if (buffer.Length + read > maxBodyBytes)
                    return (buffer.ToArray(), true);
                buffer.Write(chunk, 0, read);
            }
            return (buffer.ToArray(), false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
    }
}
