using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Capture.Format.Har;

/// <summary>
/// Writes a HAR 1.2 document entry by entry with <see cref="Utf8JsonWriter"/>, so a conversion never
/// holds more than one entry. Call <see cref="WriteEntry"/> for each entry, then <see cref="Complete"/>.
/// </summary>
public sealed class HarWriter : IDisposable
{
    private const int FlushThresholdBytes = 256 * 1024;

    private readonly Stream _stream;
    private readonly Utf8JsonWriter _json;
    private bool _completed;

    public HarWriter(Stream stream, HarCreator creator, bool indented = false, string? comment = null)
    {
        _stream = stream;
        _json = new Utf8JsonWriter(stream, new JsonWriterOptions
        {
            Indented = indented,
            // Bodies are mostly text: keep non-ASCII readable instead of \u-escaping it.
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            SkipValidation = true,
        });
        _json.WriteStartObject();
        _json.WritePropertyName("log");
        _json.WriteStartObject();
        _json.WriteString("version", "1.2");
        _json.WritePropertyName("creator");
        WriteCreator(creator);
        _json.WriteStartArray("pages");
        _json.WriteEndArray();
        if (comment is not null)
            _json.WriteString("comment", comment);
        _json.WriteStartArray("entries");
    }

    public long EntriesWritten { get; private set; }

    /// <summary>Writes a whole log (pages included) in one go; for small logs and tests.</summary>
    public static void Write(Stream stream, HarLog log, bool indented = false)
    {
        using var writer = new HarWriter(stream, log.Creator, indented, log.Comment);
        foreach (var entry in log.Entries)
            writer.WriteEntry(entry);
        writer.Complete();
    }

    public void WriteEntry(HarEntry entry)
    {
        var j = _json;
        j.WriteStartObject();
        if (entry.PageRef is not null)
            j.WriteString("pageref", entry.PageRef);
        j.WriteString("startedDateTime", FormatDate(entry.StartedDateTime));
        j.WriteNumber("time", Round(entry.Time));
        j.WritePropertyName("request");
        WriteRequest(entry.Request);
        j.WritePropertyName("response");
        WriteResponse(entry.Response);
        j.WriteStartObject("cache");
        j.WriteEndObject();
        j.WritePropertyName("timings");
        WriteTimings(entry.Timings);
        if (entry.ServerIPAddress is not null)
            j.WriteString("serverIPAddress", entry.ServerIPAddress);
        if (entry.Connection is not null)
            j.WriteString("connection", entry.Connection);
        WriteOptional("comment", entry.Comment);
        if (entry.Pid is { } pid)
            j.WriteNumber("_pid", pid);
        WriteOptional("_process", entry.Process);
        if (entry.ConnectionId is { } id)
            j.WriteNumber("_connectionId", id);
        if (entry.Incomplete is { } incomplete)
            j.WriteBoolean("_incomplete", incomplete);
        if (entry.GapBytes is { } gap)
            j.WriteNumber("_gapBytes", gap);
        if (entry.Truncated is { } truncated)
            j.WriteBoolean("_truncated", truncated);
        if (entry.Malformed is { } malformed)
            j.WriteBoolean("_malformed", malformed);
        if (entry.Upgraded is { } upgraded)
            j.WriteBoolean("_upgraded", upgraded);
        j.WriteEndObject();
        EntriesWritten++;
        if (j.BytesPending > FlushThresholdBytes)
            j.Flush();
    }

    public void Complete()
    {
        if (_completed)
            return;
        _completed = true;
        _json.WriteEndArray();
        _json.WriteEndObject();
        _json.WriteEndObject();
        _json.Flush();
        _stream.Flush();
    }

    public void Dispose() => _json.Dispose();

    /// <summary>ISO 8601 in UTC with microseconds, which every HAR reader (and har-validator's pattern) accepts.</summary>
    public static string FormatDate(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);

    private void WriteCreator(HarCreator creator)
    {
        _json.WriteStartObject();
        _json.WriteString("name", creator.Name);
        _json.WriteString("version", creator.Version);
        WriteOptional("comment", creator.Comment);
        _json.WriteEndObject();
    }

    private void WriteRequest(HarRequest r)
    {
        var j = _json;
        j.WriteStartObject();
        j.WriteString("method", r.Method);
        j.WriteString("url", r.Url);
        j.WriteString("httpVersion", r.HttpVersion);
        WriteCookies(r.Cookies);
        WriteNameValues("headers", r.Headers);
        WriteNameValues("queryString", r.QueryString);
        if (r.PostData is { } post)
        {
            j.WriteStartObject("postData");
            j.WriteString("mimeType", post.MimeType);
            j.WriteStartArray("params");
            foreach (var p in post.Params)
            {
                j.WriteStartObject();
                j.WriteString("name", p.Name);
                WriteOptional("value", p.Value);
                WriteOptional("fileName", p.FileName);
                WriteOptional("contentType", p.ContentType);
                WriteOptional("comment", p.Comment);
                j.WriteEndObject();
            }
            j.WriteEndArray();
            WriteOptional("text", post.Text);
            WriteOptional("_encoding", post.Encoding);
            WriteOptional("comment", post.Comment);
            j.WriteEndObject();
        }
        j.WriteNumber("headersSize", r.HeadersSize);
        j.WriteNumber("bodySize", r.BodySize);
        WriteOptional("comment", r.Comment);
        j.WriteEndObject();
    }

    private void WriteResponse(HarResponse r)
    {
        var j = _json;
        j.WriteStartObject();
        j.WriteNumber("status", r.Status);
        j.WriteString("statusText", r.StatusText);
        j.WriteString("httpVersion", r.HttpVersion);
        WriteCookies(r.Cookies);
        WriteNameValues("headers", r.Headers);
        j.WriteStartObject("content");
        j.WriteNumber("size", r.Content.Size);
        if (r.Content.Compression is { } compression)
            j.WriteNumber("compression", compression);
        j.WriteString("mimeType", r.Content.MimeType);
        WriteOptional("text", r.Content.Text);
        WriteOptional("encoding", r.Content.Encoding);
        WriteOptional("comment", r.Content.Comment);
        j.WriteEndObject();
        j.WriteString("redirectURL", r.RedirectUrl);
        j.WriteNumber("headersSize", r.HeadersSize);
        j.WriteNumber("bodySize", r.BodySize);
        WriteOptional("comment", r.Comment);
        j.WriteEndObject();
    }

    private void WriteTimings(HarTimings t)
    {
        var j = _json;
        j.WriteStartObject();
        j.WriteNumber("blocked", Round(t.Blocked));
        j.WriteNumber("dns", Round(t.Dns));
        j.WriteNumber("connect", Round(t.Connect));
        j.WriteNumber("send", Round(t.Send));
        j.WriteNumber("wait", Round(t.Wait));
        j.WriteNumber("receive", Round(t.Receive));
        j.WriteNumber("ssl", Round(t.Ssl));
        WriteOptional("comment", t.Comment);
        j.WriteEndObject();
    }

    private void WriteCookies(List<HarCookie> cookies)
    {
        var j = _json;
        j.WriteStartArray("cookies");
        foreach (var c in cookies)
        {
            j.WriteStartObject();
            j.WriteString("name", c.Name);
            j.WriteString("value", c.Value);
            WriteOptional("path", c.Path);
            WriteOptional("domain", c.Domain);
            WriteOptional("expires", c.Expires);
            if (c.HttpOnly is { } httpOnly)
                j.WriteBoolean("httpOnly", httpOnly);
            if (c.Secure is { } secure)
                j.WriteBoolean("secure", secure);
            WriteOptional("comment", c.Comment);
            j.WriteEndObject();
        }
        j.WriteEndArray();
    }

    private void WriteNameValues(string property, List<HarNameValue> items)
    {
        var j = _json;
        j.WriteStartArray(property);
        foreach (var item in items)
        {
            j.WriteStartObject();
            j.WriteString("name", item.Name);
            j.WriteString("value", item.Value);
            WriteOptional("comment", item.Comment);
            j.WriteEndObject();
        }
        j.WriteEndArray();
    }

    private void WriteOptional(string name, string? value)
    {
        if (value is not null)
            _json.WriteString(name, value);
    }

    /// <summary>Microsecond resolution is plenty; it also keeps the numbers short.</summary>
    private static double Round(double ms) => Math.Round(ms, 3);
}
