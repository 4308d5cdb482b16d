using Capture.Format;
using System.Globalization;
using System.Text.Json;

namespace Capture.Traffic.Har;

/// <summary>
/// Reads any HAR 1.2 file (ours, a browser's, a proxy's) into <see cref="HarLog"/>. Lenient: missing
/// optional fields stay null or empty, unknown fields are ignored; only a file that is not JSON or has
/// no log.entries is refused, with a <see cref="CaptureFormatException"/> whose message is one sentence.
/// </summary>
internal static class HarReader
{
    // Ranges of the numbers a HAR may hold (docs/har-export.md, "Reading a HAR"). A value outside its range
    // is read as if the field were missing (-1, "unknown", where HAR has it), so that one absurd number in an
    // export costs that value, not the entry or the file, and nothing downstream does arithmetic on it.
    /// <summary>A week: longer than any exchange worth replaying, far below what a TimeSpan or a histogram overflows at.</summary>
    internal const double MaxMilliseconds = 7 * 24 * 3600 * 1000.0;
    /// <summary>2^53: every byte count up to it is exact in a JSON number.</summary>
    internal const long MaxBytes = 1L << 53;
    internal const long MaxStatus = 999;
    internal static readonly DateTimeOffset EarliestDate = new(1970, 1, 1, 0, 0, 0, TimeSpan.Zero);
    internal static readonly DateTimeOffset LatestDate = new(2200, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static HarLog Read(string path)
    {
        using var stream = File.OpenRead(path);
        return Read(stream, Path.GetFileName(path));
    }

    public static HarLog Read(Stream stream, string displayName = "the input")
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(stream, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip, MaxDepth = 256 });
        }
        catch (JsonException e)
        {
            throw new CaptureFormatException($"{displayName} is not a HAR file: invalid JSON at line {e.LineNumber + 1}.");
        }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object
                || !document.RootElement.TryGetProperty("log", out var log) || log.ValueKind != JsonValueKind.Object
                || !log.TryGetProperty("entries", out var entries) || entries.ValueKind != JsonValueKind.Array)
                throw new CaptureFormatException($"{displayName} is not a HAR file: it has no log.entries array.");
            try
            {
                return ReadLog(log, entries);
            }
            catch (Exception e) when (e is InvalidOperationException or FormatException)
            {
                throw new CaptureFormatException($"{displayName} is not a valid HAR file: {e.Message.TrimEnd('.')}.");
            }
        }
    }

    private static HarLog ReadLog(JsonElement log, JsonElement entries)
    {
        var result = new HarLog
        {
            Version = Str(log, "version") ?? "1.2",
            Creator = ReadCreator(log, "creator") ?? new HarCreator(),
            Browser = ReadCreator(log, "browser"),
            Comment = Str(log, "comment"),
        };
        foreach (var page in Array(log, "pages"))
        {
            result.Pages.Add(new HarPage
            {
                StartedDateTime = Date(page, "startedDateTime"),
                Id = Str(page, "id") ?? "",
                Title = Str(page, "title") ?? "",
                OnContentLoad = page.TryGetProperty("pageTimings", out var pt) ? Milliseconds(pt, "onContentLoad") : null,
                OnLoad = page.TryGetProperty("pageTimings", out var pt2) ? Milliseconds(pt2, "onLoad") : null,
                Comment = Str(page, "comment"),
            });
        }
        foreach (var entry in entries.EnumerateArray())
            result.Entries.Add(ReadEntry(entry));
        return result;
    }

    /// <param name="unreadableDatesAreMissing">Read a startedDateTime that is not a date as missing (default) instead of refusing the file.</param>
    internal static HarEntry ReadEntry(JsonElement e, bool unreadableDatesAreMissing = false)
    {
        var (connectionId, connectionIdText) = ReadConnectionId(e);
        var entry = new HarEntry
        {
            PageRef = Str(e, "pageref"),
            StartedDateTime = Date(e, "startedDateTime", unreadableDatesAreMissing),
            Time = Milliseconds(e, "time") is >= 0 and var time ? time : 0,
            ServerIPAddress = Str(e, "serverIPAddress"),
            Connection = Str(e, "connection") ?? connectionIdText,
            Comment = Str(e, "comment"),
            Pid = (int?)Count(e, "_pid", int.MaxValue),
            Process = Str(e, "_process"),
            Host = Str(e, "_host"),
            ConnectionId = connectionId,
            PeerPid = (int?)Count(e, "_peerPid", int.MaxValue),
            PeerProcess = Str(e, "_peerProcess"),
            Incomplete = EntryFlag(e, "_incomplete"),
            GapBytes = Count(e, "_gapBytes", MaxBytes),
            Truncated = EntryFlag(e, "_truncated"),
            Malformed = Bool(e, "_malformed"),
            Upgraded = Bool(e, "_upgraded"),
            Stream = (int?)Count(e, "_stream", int.MaxValue),
        };
        if (e.TryGetProperty("request", out var req) && req.ValueKind == JsonValueKind.Object)
            entry.Request = ReadRequest(req);
        if (e.TryGetProperty("response", out var resp) && resp.ValueKind == JsonValueKind.Object)
            entry.Response = ReadResponse(resp);
        if (e.TryGetProperty("timings", out var t) && t.ValueKind == JsonValueKind.Object)
        {
            entry.Timings = new HarTimings
            {
                Blocked = Milliseconds(t, "blocked") ?? -1,
                Dns = Milliseconds(t, "dns") ?? -1,
                Connect = Milliseconds(t, "connect") ?? -1,
                Send = Milliseconds(t, "send") is >= 0 and var send ? send : 0,
                Wait = Milliseconds(t, "wait") is >= 0 and var wait ? wait : 0,
                Receive = Milliseconds(t, "receive") is >= 0 and var receive ? receive : 0,
                Ssl = Milliseconds(t, "ssl") ?? -1,
                Comment = Str(t, "comment"),
            };
        }
        entry.Grpc = ReadGrpc(e);
        return entry;
    }

    /// <summary>"_grpc": the call's names, status and encodings (what a replay compares against); messages are read from the body.</summary>
    private static HarGrpc? ReadGrpc(JsonElement e)
    {
        if (!e.TryGetProperty("_grpc", out var g) || g.ValueKind != JsonValueKind.Object)
            return null;
        return new HarGrpc
        {
            Service = Str(g, "service") ?? "",
            Method = Str(g, "method") ?? "",
            Status = (int?)Count(g, "status", int.MaxValue),
            Message = Str(g, "message"),
            RequestEncoding = Str(g, "requestEncoding"),
            ResponseEncoding = Str(g, "responseEncoding"),
        };
    }

    private static HarRequest ReadRequest(JsonElement r)
    {
        var request = new HarRequest
        {
            Method = Str(r, "method") ?? "",
            Url = Str(r, "url") ?? "",
            HttpVersion = Str(r, "httpVersion") ?? "",
            Cookies = ReadCookies(r),
            Headers = ReadNameValues(r, "headers"),
            QueryString = ReadNameValues(r, "queryString"),
            HeadersSize = Size(r, "headersSize"),
            BodySize = Size(r, "bodySize"),
            Comment = Str(r, "comment"),
        };
        if (r.TryGetProperty("postData", out var p) && p.ValueKind == JsonValueKind.Object)
        {
            request.PostData = new HarPostData
            {
                MimeType = Str(p, "mimeType") ?? "",
                Text = Str(p, "text"),
                Encoding = Str(p, "_encoding") ?? Str(p, "encoding"),
                Comment = Str(p, "comment"),
                Params = Array(p, "params").Select(x => new HarParam
                {
                    Name = Str(x, "name") ?? "",
                    Value = Str(x, "value"),
                    FileName = Str(x, "fileName"),
                    ContentType = Str(x, "contentType"),
                    Comment = Str(x, "comment"),
                }).ToList(),
            };
        }
        return request;
    }

    private static HarResponse ReadResponse(JsonElement r)
    {
        var response = new HarResponse
        {
            Status = (int?)Count(r, "status", MaxStatus) ?? 0,
            StatusText = Str(r, "statusText") ?? "",
            HttpVersion = Str(r, "httpVersion") ?? "",
            Cookies = ReadCookies(r),
            Headers = ReadNameValues(r, "headers"),
            RedirectUrl = Str(r, "redirectURL") ?? "",
            HeadersSize = Size(r, "headersSize"),
            BodySize = Size(r, "bodySize"),
            Comment = Str(r, "comment"),
            Error = Str(r, "_error"),
        };
        if (!r.TryGetProperty("content", out var c) || c.ValueKind != JsonValueKind.Object)
            response.Content.Size = -1; // the file says nothing about the body, which is not the same as an empty one
        else
        {
            response.Content = new HarContent
            {
                // Absent is read as an empty body, as before; present but absurd is unknown (-1), never "empty".
                Size = c.TryGetProperty("size", out _) ? Size(c, "size") : 0,
                Compression = Count(c, "compression", MaxBytes, min: -MaxBytes), // negative when encoding made the body bigger
                MimeType = Str(c, "mimeType") ?? "",
                Text = Str(c, "text"),
                Encoding = Str(c, "encoding"),
                Comment = Str(c, "comment"),
            };
        }
        return response;
    }

    private static List<HarCookie> ReadCookies(JsonElement parent) =>
        Array(parent, "cookies").Select(c => new HarCookie
        {
            Name = Str(c, "name") ?? "",
            Value = Str(c, "value") ?? "",
            Path = Str(c, "path"),
            Domain = Str(c, "domain"),
            Expires = Str(c, "expires"),
            HttpOnly = Bool(c, "httpOnly"),
            Secure = Bool(c, "secure"),
            Comment = Str(c, "comment"),
        }).ToList();

    private static List<HarNameValue> ReadNameValues(JsonElement parent, string name) =>
        Array(parent, name).Select(x => new HarNameValue(Str(x, "name") ?? "", Str(x, "value") ?? "") { Comment = Str(x, "comment") }).ToList();

    /// <summary>
    /// Our "_connectionId" is a number. Another tool may write it as text: digits still give the number,
    /// anything else is returned as text so that it can stand in for a missing "connection".
    /// </summary>
    private static (ulong? Id, string? Text) ReadConnectionId(JsonElement e)
    {
        if (!e.TryGetProperty("_connectionId", out var v))
            return (null, null);
        if (v.ValueKind == JsonValueKind.Number)
            return (v.TryGetUInt64(out ulong number) ? number : null, null);
        if (v.ValueKind != JsonValueKind.String)
            return (null, null);
        string text = v.GetString()!;
        return ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out ulong parsed) ? (parsed, null) : (null, text);
    }

    /// <summary>We put "_incomplete" and "_truncated" on the entry; other exporters have put them on the response or its content.</summary>
    private static bool? EntryFlag(JsonElement e, string name)
    {
        bool? flag = Bool(e, name);
        if (flag != true && e.TryGetProperty("response", out var r) && r.ValueKind == JsonValueKind.Object)
        {
            if (Bool(r, name) == true
                || (r.TryGetProperty("content", out var c) && c.ValueKind == JsonValueKind.Object && Bool(c, name) == true))
                return true;
        }
        return flag;
    }

    private static HarCreator? ReadCreator(JsonElement log, string name) =>
        log.TryGetProperty(name, out var c) && c.ValueKind == JsonValueKind.Object
            ? new HarCreator { Name = Str(c, "name") ?? "", Version = Str(c, "version") ?? "", Comment = Str(c, "comment") }
            : null;

    private static IEnumerable<JsonElement> Array(JsonElement parent, string name) =>
        parent.TryGetProperty(name, out var a) && a.ValueKind == JsonValueKind.Array
            ? a.EnumerateArray().Where(x => x.ValueKind == JsonValueKind.Object)
            : [];

    private static string? Str(JsonElement parent, string name) =>
        parent.TryGetProperty(name, out var v) ? v.ValueKind switch
        {
            JsonValueKind.String => v.GetString(),
            JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => v.GetRawText(),
            _ => null,
        } : null;

    private static double? Num(JsonElement parent, string name) =>
        parent.TryGetProperty(name, out var v) ? v.ValueKind switch
        {
            JsonValueKind.Number when v.TryGetDouble(out double d) => d,
            JsonValueKind.String when double.TryParse(v.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out double d) => d,
            _ => null,
        } : null;

    /// <summary>A duration in ms: finite, and -1 (HAR's "does not apply") or 0 to a week; null otherwise.</summary>
    private static double? Milliseconds(JsonElement parent, string name) =>
        Num(parent, name) is { } v && double.IsFinite(v) && (v == -1 || v is >= 0 and <= MaxMilliseconds) ? v : null;

    /// <summary>A whole number from <paramref name="min"/> (default 0) to <paramref name="max"/>; null otherwise.</summary>
    private static long? Count(JsonElement parent, string name, long max, long min = 0) =>
        Num(parent, name) is { } v && double.IsFinite(v) && v >= min && v <= max && Math.Floor(v) == v ? (long)v : null;

    /// <summary>A byte size: a whole number up to 2^53, or -1 (unknown) for anything else.</summary>
    private static long Size(JsonElement parent, string name) => Count(parent, name, MaxBytes) ?? -1;

    /// <summary>true/false, or a number (non-zero is true) as some exporters write flags.</summary>
    private static bool? Bool(JsonElement parent, string name) =>
        parent.TryGetProperty(name, out var v) ? v.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.Number => v.TryGetDouble(out double d) && d != 0,
            _ => null,
        } : null;

    /// <summary>A missing date is default; an unreadable one (or one outside 1970-2199) is default too when <paramref name="unreadableIsMissing"/>, else an error.</summary>
    private static DateTimeOffset Date(JsonElement parent, string name, bool unreadableIsMissing = false)
    {
        string? text = Str(parent, name);
        if (text is null)
            return default;
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var date)
            && date >= EarliestDate && date < LatestDate)
            return date;
        if (unreadableIsMissing)
            return default;
        string shown = text.Length <= 40 ? text : text[..40] + "…";
        throw new FormatException($"'{shown}' in {name} is not a date from 1970 to 2199");
    }
}
