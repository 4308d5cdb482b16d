using System.Globalization;
using System.Text;
using Capture.Format;
using Capture.Traffic.Har;

namespace Capture.Replay.Input;

/// <summary>
/// Turns any HAR 1.2 (ours, a browser's, a proxy's) into a replay plan. The format library reads the
/// JSON, one entry at a time so a big HAR is never held whole; this class decides what each entry means
/// for a replay. Tolerant of what browsers leave out; strict only about what a replay cannot do without
/// (method, URL).
/// </summary>
public static class HarPlanReader
{
    public static ReplayPlan Load(string path)
    {
        using var stream = File.OpenRead(path);
        return Read(stream, path);
    }

    public static ReplayPlan Read(Stream stream, string source)
    {
        var requests = new List<ReplayRequest>();
        int skipped = 0, position = 0;
        // An unreadable startedDateTime is read as missing: the entry keeps its place (FillMissingStartTimes).
        foreach (var entry in HarEntryStreamReader.ReadEntries(stream, source, unreadableDatesAreMissing: true))
        {
            position++;
            if (ToRequest(entry, position, source) is { } request)
                requests.Add(request);
            else
                skipped++;
        }
        FillMissingStartTimes(requests);
        // HAR asks for entries sorted by start time but not every exporter does; keep ties stable.
        var ordered = requests
            .Select((r, i) => (r, i))
            .OrderBy(p => p.r.StartedAt).ThenBy(p => p.r.ConnectionId is null ? 0 : p.r.StreamId ?? 0).ThenBy(p => p.i)
            .Select((p, i) => p.r with { Index = i })
            .ToList();
        return new ReplayPlan(ordered, source, skipped);
    }

    /// <summary>The entry as a request to replay, or null when it cannot be replayed.</summary>
    static ReplayRequest? ToRequest(HarEntry entry, int position, string source)
    {
        var request = entry.Request;
        if (request.Method.Length == 0)
            throw new CaptureFormatException($"{source}: entry {position} has no request method.");
        if (request.Url.Length == 0)
            throw new CaptureFormatException($"{source}: entry {position} has no request url.");
        // Not replayable: data:/blob:/ws: URLs, and upgraded exchanges (WebSocket) whose rest is not HTTP.
        if (!RecordedUrl.IsHttp(request.Url) || entry.Upgraded == true)
            return null;

        var response = entry.Response;
        // Status 0 (or no response object at all): no answer was recorded. A browser's _error: it gave up on the answer.
        bool incomplete = entry.Incomplete == true || response.Status <= 0 || !string.IsNullOrEmpty(response.Error);
        return new ReplayRequest
        {
            Index = position - 1,
            Method = request.Method.ToUpperInvariant(),
            Url = request.Url,
            Headers = Headers(request.Headers),
            Body = RequestBody(request.PostData, position, source),
            Response = new RecordedResponse(
                response.Status,
                Headers(response.Headers),
                ResponseBody(response.Content, position, source),
                response.Content.MimeType.Length > 0 ? response.Content.MimeType : null)
            {
                GrpcStatus = entry.Grpc?.Status ?? GrpcStatusHeader(response.Headers),
                GrpcMessage = entry.Grpc?.Message,
            },
            StartedAt = entry.StartedDateTime,
            // 0 is what the reader gives when the file has no time; a real exchange over the network takes longer.
            RecordedMilliseconds = entry.Time > 0 ? entry.Time : null,
            ConnectionId = RecordedConnection.Key(entry.Host, entry.ConnectionId?.ToString(CultureInfo.InvariantCulture) ?? entry.Connection),
            Pid = entry.Pid,
            Incomplete = incomplete,
            Truncated = entry.Truncated == true,
            // Chrome writes the version on the request, some exporters only on the response.
            HttpVersion = RecordedHttpVersion.Parse(request.HttpVersion.Length > 0 ? request.HttpVersion : response.HttpVersion),
            StreamId = entry.Stream,
        };
    }

    /// <summary>A trailers-only gRPC answer (an error with no message) carries grpc-status among its headers.</summary>
    static int? GrpcStatusHeader(List<HarNameValue> headers) =>
        int.TryParse(headers.FirstOrDefault(h => string.Equals(h.Name, "grpc-status", StringComparison.OrdinalIgnoreCase)).Value,
            NumberStyles.None, CultureInfo.InvariantCulture, out int status) ? status : null;

    /// <summary>
    /// An entry without a readable startedDateTime (read as default) takes the time of the entry before it
    /// (or the first known one), so it keeps its place instead of landing centuries before the others.
    /// </summary>
    static void FillMissingStartTimes(List<ReplayRequest> requests)
    {
        var known = requests.FirstOrDefault(r => r.StartedAt != default)?.StartedAt;
        if (known is not { } previous)
            return;
        for (int i = 0; i < requests.Count; i++)
        {
            if (requests[i].StartedAt == default)
                requests[i] = requests[i] with { StartedAt = previous };
            previous = requests[i].StartedAt;
        }
    }

    /// <summary>Headers in recorded order and spelling; nameless ones cannot be sent.</summary>
    static IReadOnlyList<HeaderField> Headers(List<HarNameValue> headers) =>
        headers.Where(h => h.Name.Length > 0).Select(h => new HeaderField(h.Name, h.Value)).ToList();

    static byte[] RequestBody(HarPostData? post, int position, string source)
    {
        if (post is null)
            return [];
        if (post.Text is not null)
            return Decode(post.Text, post.Encoding, position, source);
        // Browsers sometimes keep only the form fields; rebuild a urlencoded body from them.
        var pairs = post.Params.Select(p => Uri.EscapeDataString(p.Name) + "=" + Uri.EscapeDataString(p.Value ?? ""));
        return Encoding.UTF8.GetBytes(string.Join('&', pairs));
    }

    static byte[]? ResponseBody(HarContent content, int position, string source)
    {
        if (content.Text is not null)
            return Decode(content.Text, content.Encoding, position, source);
        // No text: an empty body is still a known body; a non-empty one was not kept, and -1 means the file did not say.
        return content.Size == 0 ? [] : null;
    }

    static byte[] Decode(string text, string? encoding, int position, string source)
    {
        try
        {
            return BodyText.ToBytes(text, encoding);
        }
        catch (FormatException)
        {
            throw new CaptureFormatException($"{source}: entry {position} has a body marked base64 that is not valid base64.");
        }
    }
}
