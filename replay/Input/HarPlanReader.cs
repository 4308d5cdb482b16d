using System.Globalization;
using System.Text;
using System.Text.Json;
using Capture.Format;

namespace Capture.Replay.Input;

/// <summary>
/// Reads any HAR 1.2 (ours, a browser's, a proxy's) into a replay plan. Tolerant of what
/// browsers leave out; strict only about what a replay cannot do without (method, URL).
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
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(stream, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip, MaxDepth = 256 });
        }
        catch (JsonException e)
        {
            throw new CaptureFormatException($"{source} is not a HAR file: invalid JSON at line {(e.LineNumber ?? 0) + 1}.");
        }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object ||
                !doc.RootElement.TryGetProperty("log", out var log) ||
                !log.TryGetProperty("entries", out var entries) ||
                entries.ValueKind != JsonValueKind.Array)
                throw new CaptureFormatException($"{source} is not a HAR file: it has no log.entries array.");

            var requests = new List<ReplayRequest>();
            int skipped = 0, position = 0;
            foreach (var entry in entries.EnumerateArray())
            {
                position++;
                var request = ReadEntry(entry, position, source);
                if (request is null)
                    skipped++;
                else
                    requests.Add(request);
            }
            FillMissingStartTimes(requests);
            // HAR asks for entries sorted by start time but not every exporter does; keep ties stable.
            var ordered = requests
                .Select((r, i) => (r, i))
                .OrderBy(p => p.r.StartedAt).ThenBy(p => p.i)
                .Select((p, i) => p.r with { Index = i })
                .ToList();
            return new ReplayPlan(ordered, source, skipped);
        }
    }

    static ReplayRequest? ReadEntry(JsonElement entry, int position, string source)
    {
        if (entry.ValueKind != JsonValueKind.Object || !entry.TryGetProperty("request", out var request) || request.ValueKind != JsonValueKind.Object)
            throw new CaptureFormatException($"{source}: entry {position} has no request object.");
        string method = String(request, "method") ?? throw new CaptureFormatException($"{source}: entry {position} has no request method.");
        string url = String(request, "url") ?? throw new CaptureFormatException($"{source}: entry {position} has no request url.");
        // Not replayable: data:/blob:/ws: URLs, and upgraded exchanges (WebSocket) whose rest is not HTTP.
        if (!RecordedUrl.IsHttp(url) || Flag(entry, "_upgraded"))
            return null;

        var response = entry.TryGetProperty("response", out var r) && r.ValueKind == JsonValueKind.Object ? r : default;
        bool incomplete = Flag(entry, "_incomplete") || Flag(response, "_incomplete") ||
                          response.ValueKind != JsonValueKind.Object ||
                          String(response, "_error") is { Length: > 0 };
        bool truncated = Flag(entry, "_truncated") || Flag(response, "_truncated") ||
                         (response.ValueKind == JsonValueKind.Object && response.TryGetProperty("content", out var c) && Flag(c, "_truncated"));
        int status = response.ValueKind == JsonValueKind.Object ? Int(response, "status") ?? 0 : 0;
        if (status <= 0)
            incomplete = true;

        return new ReplayRequest
        {
            Index = position - 1,
            Method = method.ToUpperInvariant(),
            Url = url,
            Headers = Headers(request),
            Body = RequestBody(request),
            Response = new RecordedResponse(status, Headers(response), ResponseBody(response), ContentMime(response)),
            StartedAt = StartedAt(entry),
            RecordedMilliseconds = Double(entry, "time") is double t && t >= 0 ? t : null,
            ConnectionId = String(entry, "_connectionId") ?? String(entry, "connection"),
            Pid = Int(entry, "_pid"),
            Incomplete = incomplete,
            Truncated = truncated,
        };
    }

    /// <summary>
    /// An entry without a readable startedDateTime takes the time of the entry before it (or the first
    /// known one), so it keeps its place instead of landing decades before the others.
    /// </summary>
    static void FillMissingStartTimes(List<ReplayRequest> requests)
    {
        var known = requests.FirstOrDefault(r => r.StartedAt != DateTimeOffset.UnixEpoch)?.StartedAt;
        if (known is not { } previous)
            return;
        for (int i = 0; i < requests.Count; i++)
        {
            if (requests[i].StartedAt == DateTimeOffset.UnixEpoch)
                requests[i] = requests[i] with { StartedAt = previous };
            previous = requests[i].StartedAt;
        }
    }

    static IReadOnlyList<HeaderField> Headers(JsonElement owner)
    {
        if (owner.ValueKind != JsonValueKind.Object || !owner.TryGetProperty("headers", out var headers) || headers.ValueKind != JsonValueKind.Array)
            return [];
        var list = new List<HeaderField>();
        foreach (var h in headers.EnumerateArray())
            if (String(h, "name") is { Length: > 0 } name)
                list.Add(new HeaderField(name, String(h, "value") ?? ""));
        return list;
    }

    static byte[] RequestBody(JsonElement request)
    {
        if (!request.TryGetProperty("postData", out var post) || post.ValueKind != JsonValueKind.Object)
            return [];
        if (String(post, "text") is string text)
            return Decode(text, String(post, "encoding") ?? String(post, "_encoding"));
        // Browsers sometimes keep only the form fields; rebuild a urlencoded body from them.
        if (post.TryGetProperty("params", out var ps) && ps.ValueKind == JsonValueKind.Array)
        {
            var pairs = ps.EnumerateArray().Select(p =>
                Uri.EscapeDataString(String(p, "name") ?? "") + "=" + Uri.EscapeDataString(String(p, "value") ?? ""));
            return Encoding.UTF8.GetBytes(string.Join('&', pairs));
        }
        return [];
    }

    static byte[]? ResponseBody(JsonElement response)
    {
        if (response.ValueKind != JsonValueKind.Object || !response.TryGetProperty("content", out var content) || content.ValueKind != JsonValueKind.Object)
            return null;
        if (String(content, "text") is string text)
            return Decode(text, String(content, "encoding"));
        // No text: an empty body is still a known body; a non-empty one was not kept.
        return (Double(content, "size") ?? 0) <= 0 ? [] : null;
    }

    static string? ContentMime(JsonElement response) =>
        response.ValueKind == JsonValueKind.Object && response.TryGetProperty("content", out var c) ? String(c, "mimeType") : null;

    static byte[] Decode(string text, string? encoding)
    {
        if (string.Equals(encoding, "base64", StringComparison.OrdinalIgnoreCase))
        {
            try { return Convert.FromBase64String(text); }
            catch (FormatException) { throw new CaptureFormatException("A HAR body marked base64 is not valid base64."); }
        }
        return Encoding.UTF8.GetBytes(text);
    }

    static DateTimeOffset StartedAt(JsonElement entry) =>
        String(entry, "startedDateTime") is string s &&
        DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)
            ? at
            : DateTimeOffset.UnixEpoch;

    static string? String(JsonElement owner, string name) =>
        owner.ValueKind == JsonValueKind.Object && owner.TryGetProperty(name, out var v)
            ? v.ValueKind switch
            {
                JsonValueKind.String => v.GetString(),
                JsonValueKind.Number => v.GetRawText(),
                _ => null,
            }
            : null;

    static int? Int(JsonElement owner, string name) =>
        owner.ValueKind == JsonValueKind.Object && owner.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int i) ? i : null;

    static double? Double(JsonElement owner, string name) =>
        owner.ValueKind == JsonValueKind.Object && owner.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : null;

    static bool Flag(JsonElement owner, string name) =>
        owner.ValueKind == JsonValueKind.Object && owner.TryGetProperty(name, out var v) &&
        (v.ValueKind == JsonValueKind.True || (v.ValueKind == JsonValueKind.Number && v.GetDouble() != 0));
}
