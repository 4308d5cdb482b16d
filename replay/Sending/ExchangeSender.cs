using System.Buffers;
using System.Diagnostics;
using Capture.Replay.Comparison;
using Capture.Replay.Input;
using Polly;
using Polly.CircuitBreaker;

namespace Capture.Replay.Sending;

/// <summary>Sends one recorded request through the pipeline and reads the whole answer.</summary>
public sealed class ExchangeSender(HttpClient client, RequestFactory factory, ResiliencePipeline<ReceivedResponse> pipeline,
    CircuitGate gate, ResilienceSettings settings, int maxBodyBytes)
{
    static readonly HashSet<string> Idempotent = new(StringComparer.OrdinalIgnoreCase)
        { "GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE" };

    /// <summary>Never throws for target failures; throws OperationCanceledException only when <paramref name="ct"/> is cancelled.</summary>
    public async Task<SendOutcome> SendAsync(ReplayRequest request, CancellationToken ct)
    {
        string url = factory.UrlFor(request);
        int attempts = 0;
        var latency = TimeSpan.Zero;
        while (true)
        {
            if (gate.GaveUp)
                return new SendOutcome(url, null, ErrorKinds.CircuitOpen,
                    attempts == 0
                        ? "not sent: the target kept failing and the circuit breaker stopped sending"
                        : $"given up after {attempts} attempt(s): the target kept failing and the circuit breaker stopped sending",
                    latency, attempts);
            await gate.WaitWhileOpenAsync(ct).ConfigureAwait(false);

            var context = ResilienceContextPool.Shared.Get(ct);
            context.Properties.Set(PipelineFactory.Retryable, settings.RetryUnsafe || Idempotent.Contains(request.Method));
            try
            {
                var response = await pipeline.ExecuteAsync(async ctx =>
                {
                    attempts++;
                    long started = Stopwatch.GetTimestamp();
                    try
                    {
                        return await ReceiveAsync(request, ctx.CancellationToken).ConfigureAwait(false);
                    }
                    finally
                    {
                        latency = Stopwatch.GetElapsedTime(started);
                    }
                }, context).ConfigureAwait(false);
                return new SendOutcome(url, response, null, null, latency, attempts);
            }
            catch (BrokenCircuitException e)
            {
                // The circuit opened or is half-open with a probe in flight: pause, then try again.
                await Task.Delay(e.RetryAfter is { } after && after > TimeSpan.FromMilliseconds(20) ? after : TimeSpan.FromMilliseconds(20), ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception e)
            {
                return new SendOutcome(url, null, ErrorKinds.Classify(e), ErrorKinds.Describe(e), latency, attempts);
            }
            finally
            {
                ResilienceContextPool.Shared.Return(context);
            }
        }
    }

    async Task<ReceivedResponse> ReceiveAsync(ReplayRequest request, CancellationToken ct)
    {
        using var message = factory.Create(request);
        using var response = await client.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
        var headers = new List<HeaderField>();
        // NonValidated: the values as received, without parsing every header into typed objects.
        foreach (var h in response.Headers.NonValidated)
            foreach (string v in h.Value)
                headers.Add(new HeaderField(h.Key, v));
        foreach (var h in response.Content.Headers.NonValidated)
            foreach (string v in h.Value)
                headers.Add(new HeaderField(h.Key, v));

        var (body, truncated) = await ReadBodyAsync(response.Content, ct).ConfigureAwait(false);
        return new ReceivedResponse((int)response.StatusCode, headers, body, truncated);
    }

    /// <summary>Reads the body up to the cap; a body announced within the cap is read in one go.</summary>
    async Task<(byte[], bool)> ReadBodyAsync(HttpContent content, CancellationToken ct)
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
