using System.Globalization;
using System.Text.Json;

namespace Capture.Format.Har;

/// <summary>
/// Reads any HAR 1.2 file (ours, a browser's, a proxy's) into <see cref="HarLog"/>. Lenient: missing
/// optional fields stay null or empty, unknown fields are ignored; only a file that is not JSON or has
/// no log.entries is refused, with a <see cref="CaptureFormatException"/> whose message is one sentence.
/// </summary>
public static class HarReader
{
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
                OnContentLoad = page.TryGetProperty("pageTimings", out var pt) ? Num(pt, "onContentLoad") : null,
                OnLoad = page.TryGetProperty("pageTimings", out var pt2) ? Num(pt2, "onLoad") : null,
                Comment = Str(page, "comment"),
            });
        }
        foreach (var entry in entries.EnumerateArray())
            result.Entries.Add(ReadEntry(entry));
        return result;
    }

    internal static HarEntry ReadEntry(JsonElement e)
    {
        var entry = new HarEntry
        {
            PageRef = Str(e, "pageref"),
            StartedDateTime = Date(e, "startedDateTime"),
            Time = Num(e, "time") ?? 0,
            ServerIPAddress = Str(e, "serverIPAddress"),
            Connection = Str(e, "connection"),
            Comment = Str(e, "comment"),
            Pid = (int?)Num(e, "_pid"),
            Process = Str(e, "_process"),
            ConnectionId = e.TryGetProperty("_connectionId", out var cid) && cid.TryGetUInt64(out ulong id) ? id : null,
            PeerPid = (int?)Num(e, "_peerPid"),
            PeerProcess = Str(e, "_peerProcess"),
            Incomplete = Bool(e, "_incomplete"),
            GapBytes = (long?)Num(e, "_gapBytes"),
            Truncated = Bool(e, "_truncated"),
            Malformed = Bool(e, "_malformed"),
            Upgraded = Bool(e, "_upgraded"),
        };
        if (e.TryGetProperty("request", out var req) && req.ValueKind == JsonValueKind.Object)
            entry.Request = ReadRequest(req);
        if (e.TryGetProperty("response", out var resp) && resp.ValueKind == JsonValueKind.Object)
            entry.Response = ReadResponse(resp);
        if (e.TryGetProperty("timings", out var t) && t.ValueKind == JsonValueKind.Object)
        {
            entry.Timings = new HarTimings
            {
                Blocked = Num(t, "blocked") ?? -1,
                Dns = Num(t, "dns") ?? -1,
                Connect = Num(t, "connect") ?? -1,
                Send = Num(t, "send") ?? 0,
                Wait = Num(t, "wait") ?? 0,
                Receive = Num(t, "receive") ?? 0,
                Ssl = Num(t, "ssl") ?? -1,
                Comment = Str(t, "comment"),
            };
        }
        return entry;
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
            HeadersSize = (long?)Num(r, "headersSize") ?? -1,
            BodySize = (long?)Num(r, "bodySize") ?? -1,
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
            Status = (int?)Num(r, "status") ?? 0,
            StatusText = Str(r, "statusText") ?? "",
            HttpVersion = Str(r, "httpVersion") ?? "",
            Cookies = ReadCookies(r),
            Headers = ReadNameValues(r, "headers"),
            RedirectUrl = Str(r, "redirectURL") ?? "",
            HeadersSize = (long?)Num(r, "headersSize") ?? -1,
            BodySize = (long?)Num(r, "bodySize") ?? -1,
            Comment = Str(r, "comment"),
        };
        if (r.TryGetProperty("content", out var c) && c.ValueKind == JsonValueKind.Object)
        {
            response.Content = new HarContent
            {
                Size = (long?)Num(c, "size") ?? 0,
                Compression = (long?)Num(c, "compression"),
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
            JsonValueKind.Number => v.GetDouble(),
            JsonValueKind.String when double.TryParse(v.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out double d) => d,
            _ => null,
        } : null;

    private static bool? Bool(JsonElement parent, string name) =>
        parent.TryGetProperty(name, out var v) && v.ValueKind is JsonValueKind.True or JsonValueKind.False ? v.GetBoolean() : null;

    private static DateTimeOffset Date(JsonElement parent, string name)
    {
        string? text = Str(parent, name);
        if (text is null)
            return default;
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var date))
            return date;
        throw new FormatException($"'{text}' in {name} is not a date");
    }
}
