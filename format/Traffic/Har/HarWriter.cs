using System.Buffers;
using System.Globalization;
using Capture.Traffic.Http;
using System.Text.Encodings.Web;
using System.Text.Json;
using Capture.Format.Records;

namespace Capture.Traffic.Har;

/// <summary>
/// Writes a HAR 1.2 document entry by entry with <see cref="Utf8JsonWriter"/>, so a conversion never
/// holds more than one entry. Call <see cref="WriteEntry"/> for each entry, then <see cref="Complete"/>.
/// </summary>
internal sealed partial class HarWriter : IDisposable
{
    private const int FlushThresholdBytes = 256 * 1024;
    // How much of a spilled body goes into the JSON at a time.
    private const int SegmentBytes = 64 * 1024;

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
        _json.WritePropertyName(Names.log);
        _json.WriteStartObject();
        _json.WriteString(Names.version, "1.2");
        _json.WritePropertyName(Names.creator);
        WriteCreator(creator);
        _json.WriteStartArray(Names.pages);
        _json.WriteEndArray();
        if (comment is not null)
            _json.WriteString(Names.comment, comment);
        _json.WriteStartArray(Names.entries);
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
            j.WriteString(Names.pageref, entry.PageRef);
        Span<byte> date = stackalloc byte[DateLength];
        j.WriteString(Names.startedDateTime, FormatDate(entry.StartedDateTime, date));
        WriteMs(Names.time, entry.Time);
        j.WritePropertyName(Names.request);
        WriteRequest(entry.Request);
        j.WritePropertyName(Names.response);
        WriteResponse(entry.Response);
        j.WriteStartObject(Names.cache);
        j.WriteEndObject();
        j.WritePropertyName(Names.timings);
        WriteTimings(entry.Timings);
        if (entry.ServerIPAddress is not null)
            j.WriteString(Names.serverIPAddress, entry.ServerIPAddress);
        if (entry.Connection is not null)
            j.WriteString(Names.connection, entry.Connection);
        WriteOptional(Names.comment, entry.Comment);
        if (entry.Pid is { } pid)
            j.WriteNumber(Names.Upid, pid);
        WriteOptional(Names.Uprocess, entry.Process);
        WriteOptional(Names.Uhost, entry.Host);
        if (entry.ConnectionId is { } id)
            j.WriteNumber(Names.UconnectionId, id);
        if (entry.Container is { } container)
            WriteContainer(container);
        if (entry.PeerPid is { } peerPid)
            j.WriteNumber(Names.UpeerPid, peerPid);
        WriteOptional(Names.UpeerProcess, entry.PeerProcess);
        if (entry.Incomplete is { } incomplete)
            j.WriteBoolean(Names.Uincomplete, incomplete);
        if (entry.GapBytes is { } gap)
            j.WriteNumber(Names.UgapBytes, gap);
        if (entry.Truncated is { } truncated)
            j.WriteBoolean(Names.Utruncated, truncated);
        if (entry.Malformed is { } malformed)
            j.WriteBoolean(Names.Umalformed, malformed);
        if (entry.Upgraded is { } upgraded)
            j.WriteBoolean(Names.Uupgraded, upgraded);
        WriteHttp2Fields(entry);
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

    private const int DateLength = 27; // yyyy-MM-ddTHH:mm:ss.ffffffZ

    /// <summary>The same text as <see cref="FormatDate(DateTimeOffset)"/>, as UTF-8 without a string: it is written once per entry.</summary>
    private static ReadOnlySpan<byte> FormatDate(DateTimeOffset time, Span<byte> into)
    {
        var utc = time.UtcDateTime;
        Digits(into[..4], utc.Year);
        into[4] = (byte)'-';
        Digits(into.Slice(5, 2), utc.Month);
        into[7] = (byte)'-';
        Digits(into.Slice(8, 2), utc.Day);
        into[10] = (byte)'T';
        Digits(into.Slice(11, 2), utc.Hour);
        into[13] = (byte)':';
        Digits(into.Slice(14, 2), utc.Minute);
        into[16] = (byte)':';
        Digits(into.Slice(17, 2), utc.Second);
        into[19] = (byte)'.';
        Digits(into.Slice(20, 6), (int)(utc.Ticks % TimeSpan.TicksPerSecond / 10));
        into[26] = (byte)'Z';
        return into[..DateLength];
    }

    private static void Digits(Span<byte> into, int value)
    {
        for (int i = into.Length - 1; i >= 0; i--)
        {
            into[i] = (byte)('0' + value % 10);
            value /= 10;
        }
    }

    private void WriteCreator(HarCreator creator)
    {
        _json.WriteStartObject();
        _json.WriteString(Names.name, creator.Name);
        _json.WriteString(Names.version, creator.Version);
        WriteOptional(Names.comment, creator.Comment);
        _json.WriteEndObject();
    }

    private void WriteRequest(HarRequest r)
    {
        var j = _json;
        j.WriteStartObject();
        j.WriteString(Names.method, r.Method);
        j.WriteString(Names.url, r.Url);
        j.WriteString(Names.httpVersion, r.HttpVersion);
        WriteCookies(r.Cookies);
        WriteNameValues(Names.headers, r.Headers);
        WriteNameValues(Names.queryString, r.QueryString);
        if (r.PostData is { } post)
        {
            j.WriteStartObject(Names.postData);
            j.WriteString(Names.mimeType, post.MimeType);
            j.WriteStartArray(Names.@params);
            foreach (var p in post.Params)
            {
                j.WriteStartObject();
                j.WriteString(Names.name, p.Name);
                WriteOptional(Names.value, p.Value);
                WriteOptional(Names.fileName, p.FileName);
                WriteOptional(Names.contentType, p.ContentType);
                WriteOptional(Names.comment, p.Comment);
                j.WriteEndObject();
            }
            j.WriteEndArray();
            WriteBodyText(post._body);
            WriteOptional(Names.Uencoding, post.Encoding);
            WriteOptional(Names.comment, post.Comment);
            j.WriteEndObject();
        }
        j.WriteNumber(Names.headersSize, r.HeadersSize);
        j.WriteNumber(Names.bodySize, r.BodySize);
        WriteOptional(Names.comment, r.Comment);
        j.WriteEndObject();
    }

    private void WriteResponse(HarResponse r)
    {
        var j = _json;
        j.WriteStartObject();
        j.WriteNumber(Names.status, r.Status);
        j.WriteString(Names.statusText, r.StatusText);
        j.WriteString(Names.httpVersion, r.HttpVersion);
        WriteCookies(r.Cookies);
        WriteNameValues(Names.headers, r.Headers);
        j.WriteStartObject(Names.content);
        j.WriteNumber(Names.size, r.Content.Size);
        if (r.Content.Compression is { } compression)
            j.WriteNumber(Names.compression, compression);
        j.WriteString(Names.mimeType, r.Content.MimeType);
        WriteBodyText(r.Content._body);
        WriteOptional(Names.encoding, r.Content.Encoding);
        WriteOptional(Names.comment, r.Content.Comment);
        j.WriteEndObject();
        j.WriteString(Names.redirectURL, r.RedirectUrl);
        j.WriteNumber(Names.headersSize, r.HeadersSize);
        j.WriteNumber(Names.bodySize, r.BodySize);
        WriteOptional(Names.comment, r.Comment);
        j.WriteEndObject();
    }

    private void WriteTimings(HarTimings t)
    {
        var j = _json;
        j.WriteStartObject();
        WriteMs(Names.blocked, t.Blocked);
        WriteMs(Names.dns, t.Dns);
        WriteMs(Names.connect, t.Connect);
        WriteMs(Names.send, t.Send);
        WriteMs(Names.wait, t.Wait);
        WriteMs(Names.receive, t.Receive);
        WriteMs(Names.ssl, t.Ssl);
        WriteOptional(Names.comment, t.Comment);
        j.WriteEndObject();
    }

    private void WriteCookies(List<HarCookie> cookies)
    {
        var j = _json;
        j.WriteStartArray(Names.cookies);
        foreach (var c in cookies)
        {
            j.WriteStartObject();
            j.WriteString(Names.name, c.Name);
            j.WriteString(Names.value, c.Value);
            WriteOptional(Names.path, c.Path);
            WriteOptional(Names.domain, c.Domain);
            WriteOptional(Names.expires, c.Expires);
            if (c.HttpOnly is { } httpOnly)
                j.WriteBoolean(Names.httpOnly, httpOnly);
            if (c.Secure is { } secure)
                j.WriteBoolean(Names.secure, secure);
            WriteOptional(Names.comment, c.Comment);
            j.WriteEndObject();
        }
        j.WriteEndArray();
    }

    private void WriteNameValues(JsonEncodedText property, List<HarNameValue> items)
    {
        var j = _json;
        j.WriteStartArray(property);
        foreach (var item in items)
        {
            j.WriteStartObject();
            j.WriteString(Names.name, item.Name);
            j.WriteString(Names.value, item.Value);
            WriteOptional(Names.comment, item.Comment);
            j.WriteEndObject();
        }
        j.WriteEndArray();
    }

    /// <summary>A body straight from its bytes when it has not become a string: no UTF-16 round trip.</summary>
    private void WriteBodyText(LazyBodyText body)
    {
        if (body.TryGetSpilled(out var spilled, out bool spilledBase64))
            WriteSpilledText(spilled, spilledBase64);
        else if (!body.TryGetBytes(out var bytes, out bool base64))
            WriteOptional(Names.text, body.Text);
        else if (base64)
            _json.WriteBase64String(Names.text, bytes.Span);
        else if (AsciiJsonString.Applies(bytes.Span))
            WriteAsciiText(bytes.Span);
        else
            _json.WriteString(Names.text, bytes.Span);
    }

    private void WriteContainer(ContainerContext c)
    {
        WriteOptional(Names.Ucontainer, c.ContainerId);
        WriteOptional(Names.Upod, c.Pod);
        _json.WriteNumber(Names.Unetns, c.NetNsInode);
        _json.WriteString(Names.Ucgroup, c.Cgroup);
    }

    /// <summary>An ASCII body (most JSON APIs) escaped by <see cref="AsciiJsonString"/>: the same bytes, faster.</summary>
    private void WriteAsciiText(ReadOnlySpan<byte> text)
    {
        byte[] escaped = ArrayPool<byte>.Shared.Rent(AsciiJsonString.MaxLength(text.Length));
        int length = AsciiJsonString.Write(text, escaped);
        _json.WritePropertyName(Names.text);
        _json.WriteRawValue(escaped.AsSpan(0, length), skipInputValidation: true);
        ArrayPool<byte>.Shared.Return(escaped);
    }

    /// <summary>
    /// A spilled body as one JSON string written in segments, flushed to the stream as it goes: neither
    /// the body nor its JSON text is ever whole in memory. The bytes come out as WriteString would write them.
    /// </summary>
    private void WriteSpilledText(SpilledBody body, bool base64)
    {
        var j = _json;
        j.WritePropertyName(Names.text);
        byte[] buffer = ArrayPool<byte>.Shared.Rent(SegmentBytes);
        try
        {
            using var stream = body.OpenRead();
            int read;
            while ((read = stream.Read(buffer, 0, SegmentBytes)) > 0)
            {
                if (base64)
                    j.WriteBase64StringSegment(buffer.AsSpan(0, read), isFinalSegment: false);
                else
                    j.WriteStringValueSegment(buffer.AsSpan(0, read), isFinalSegment: false);
                if (j.BytesPending > FlushThresholdBytes)
                    j.Flush();
            }
            if (base64)
                j.WriteBase64StringSegment([], isFinalSegment: true);
            else
                j.WriteStringValueSegment(ReadOnlySpan<byte>.Empty, isFinalSegment: true);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void WriteOptional(JsonEncodedText name, string? value)
    {
        if (value is not null)
            _json.WriteString(name, value);
    }

    /// <summary>Milliseconds rounded to microseconds: plenty, and it keeps the numbers short.</summary>
    private void WriteMs(JsonEncodedText name, double ms)
    {
        double rounded = Math.Round(ms, 3);
        Span<byte> text = stackalloc byte[MillisecondText.MaxLength];
        if (!MillisecondText.TryFormat(rounded, text, out int length))
        {
            _json.WriteNumber(name, rounded);
            return;
        }
        _json.WritePropertyName(name);
        _json.WriteRawValue(text[..length], skipInputValidation: true);
    }

    /// <summary>Property names encoded once: the writer then copies bytes instead of transcoding names for every entry.</summary>
    private static class Names
    {
#pragma warning disable IDE1006 // named exactly like the JSON properties
        public static readonly JsonEncodedText UconnectionId = JsonEncodedText.Encode("_connectionId");
        public static readonly JsonEncodedText Uencoding = JsonEncodedText.Encode("_encoding");
        public static readonly JsonEncodedText UgapBytes = JsonEncodedText.Encode("_gapBytes");
        public static readonly JsonEncodedText Uincomplete = JsonEncodedText.Encode("_incomplete");
        public static readonly JsonEncodedText Umalformed = JsonEncodedText.Encode("_malformed");
        public static readonly JsonEncodedText Upid = JsonEncodedText.Encode("_pid");
        public static readonly JsonEncodedText UpeerPid = JsonEncodedText.Encode("_peerPid");
        public static readonly JsonEncodedText UpeerProcess = JsonEncodedText.Encode("_peerProcess");
        public static readonly JsonEncodedText Uprocess = JsonEncodedText.Encode("_process");
        public static readonly JsonEncodedText Uhost = JsonEncodedText.Encode("_host");
        public static readonly JsonEncodedText Ucontainer = JsonEncodedText.Encode("_container");
        public static readonly JsonEncodedText Upod = JsonEncodedText.Encode("_pod");
        public static readonly JsonEncodedText Unetns = JsonEncodedText.Encode("_netns");
        public static readonly JsonEncodedText Ucgroup = JsonEncodedText.Encode("_cgroup");
        public static readonly JsonEncodedText Utruncated = JsonEncodedText.Encode("_truncated");
        public static readonly JsonEncodedText Uupgraded = JsonEncodedText.Encode("_upgraded");
        public static readonly JsonEncodedText blocked = JsonEncodedText.Encode("blocked");
        public static readonly JsonEncodedText bodySize = JsonEncodedText.Encode("bodySize");
        public static readonly JsonEncodedText cache = JsonEncodedText.Encode("cache");
        public static readonly JsonEncodedText comment = JsonEncodedText.Encode("comment");
        public static readonly JsonEncodedText compression = JsonEncodedText.Encode("compression");
        public static readonly JsonEncodedText connect = JsonEncodedText.Encode("connect");
        public static readonly JsonEncodedText connection = JsonEncodedText.Encode("connection");
        public static readonly JsonEncodedText content = JsonEncodedText.Encode("content");
        public static readonly JsonEncodedText contentType = JsonEncodedText.Encode("contentType");
        public static readonly JsonEncodedText cookies = JsonEncodedText.Encode("cookies");
        public static readonly JsonEncodedText creator = JsonEncodedText.Encode("creator");
        public static readonly JsonEncodedText dns = JsonEncodedText.Encode("dns");
        public static readonly JsonEncodedText domain = JsonEncodedText.Encode("domain");
        public static readonly JsonEncodedText encoding = JsonEncodedText.Encode("encoding");
        public static readonly JsonEncodedText entries = JsonEncodedText.Encode("entries");
        public static readonly JsonEncodedText expires = JsonEncodedText.Encode("expires");
        public static readonly JsonEncodedText fileName = JsonEncodedText.Encode("fileName");
        public static readonly JsonEncodedText headers = JsonEncodedText.Encode("headers");
        public static readonly JsonEncodedText headersSize = JsonEncodedText.Encode("headersSize");
        public static readonly JsonEncodedText httpOnly = JsonEncodedText.Encode("httpOnly");
        public static readonly JsonEncodedText httpVersion = JsonEncodedText.Encode("httpVersion");
        public static readonly JsonEncodedText log = JsonEncodedText.Encode("log");
        public static readonly JsonEncodedText method = JsonEncodedText.Encode("method");
        public static readonly JsonEncodedText mimeType = JsonEncodedText.Encode("mimeType");
        public static readonly JsonEncodedText name = JsonEncodedText.Encode("name");
        public static readonly JsonEncodedText pageref = JsonEncodedText.Encode("pageref");
        public static readonly JsonEncodedText pages = JsonEncodedText.Encode("pages");
        public static readonly JsonEncodedText @params = JsonEncodedText.Encode("params");
        public static readonly JsonEncodedText path = JsonEncodedText.Encode("path");
        public static readonly JsonEncodedText postData = JsonEncodedText.Encode("postData");
        public static readonly JsonEncodedText queryString = JsonEncodedText.Encode("queryString");
        public static readonly JsonEncodedText receive = JsonEncodedText.Encode("receive");
        public static readonly JsonEncodedText redirectURL = JsonEncodedText.Encode("redirectURL");
        public static readonly JsonEncodedText request = JsonEncodedText.Encode("request");
        public static readonly JsonEncodedText response = JsonEncodedText.Encode("response");
        public static readonly JsonEncodedText secure = JsonEncodedText.Encode("secure");
        public static readonly JsonEncodedText send = JsonEncodedText.Encode("send");
        public static readonly JsonEncodedText serverIPAddress = JsonEncodedText.Encode("serverIPAddress");
        public static readonly JsonEncodedText size = JsonEncodedText.Encode("size");
        public static readonly JsonEncodedText ssl = JsonEncodedText.Encode("ssl");
        public static readonly JsonEncodedText startedDateTime = JsonEncodedText.Encode("startedDateTime");
        public static readonly JsonEncodedText status = JsonEncodedText.Encode("status");
        public static readonly JsonEncodedText statusText = JsonEncodedText.Encode("statusText");
        public static readonly JsonEncodedText text = JsonEncodedText.Encode("text");
        public static readonly JsonEncodedText time = JsonEncodedText.Encode("time");
        public static readonly JsonEncodedText timings = JsonEncodedText.Encode("timings");
        public static readonly JsonEncodedText url = JsonEncodedText.Encode("url");
        public static readonly JsonEncodedText value = JsonEncodedText.Encode("value");
        public static readonly JsonEncodedText version = JsonEncodedText.Encode("version");
        public static readonly JsonEncodedText wait = JsonEncodedText.Encode("wait");
#pragma warning restore IDE1006
    }
}
