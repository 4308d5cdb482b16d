using Capture.Traffic.Har;
using Capture.Traffic.Redaction;
using Capture.Replay.Comparison;
using Capture.Replay.Input;
using Capture.Replay.Sending;

namespace Capture.Replay.Reporting;

/// <summary>
/// Writes the replayed exchanges (what was sent to the target and what it answered) as HAR 1.2
/// through the format's HAR writer, so the replay can be opened in the same tools as the recording.
/// Needs a report made with <see cref="ReplayOptions.KeepExchanges"/>.
/// </summary>
public static class ReplayHarWriter
{
    /// <param name="redaction">When set, secrets in the written entries are replaced as `capture har --redact` does.</param>
    public static void Write(ReplayReport report, ReplayOptions options, Stream stream, RedactionRules? redaction = null)
    {
        var redactor = redaction is null ? null : new HarRedactor(redaction);
        if (report.Exchanges is null)
            throw new InvalidOperationException("The report has no exchanges: run with KeepExchanges to write a HAR.");
        // Rebuilding the message gives exactly the headers that were sent (recording plus rewrites).
        var factory = new RequestFactory(options.Target, options.Rewrites);
        using var writer = new HarWriter(stream, new HarCreator { Name = "capture replay", Version = typeof(ReplayHarWriter).Assembly.GetName().Version?.ToString(3) ?? "" },
            comment: $"replay of {report.Source} against {report.Target}");
        foreach (var exchange in report.Exchanges)
        {
            var entry = Entry(exchange, factory);
            redactor?.Redact(entry);
            writer.WriteEntry(entry);
        }
        writer.Complete();
    }

    static HarEntry Entry(ReplayedExchange exchange, RequestFactory factory)
    {
        double ms = Math.Round(exchange.Milliseconds, 3);
        var entry = new HarEntry
        {
            StartedDateTime = exchange.StartedAt,
            Time = ms,
            Request = Request(exchange, factory),
            Response = exchange.Response is { } response ? Response(response) : new HarResponse { Status = 0, Content = new HarContent { MimeType = "x-unknown" } },
            Timings = new HarTimings { Send = 0, Wait = ms, Receive = 0 },
            Incomplete = exchange.Response is null ? true : null,
            Comment = exchange.ErrorKind is { } kind ? $"replay error: {kind}" : null,
        };
        return entry;
    }

    static HarRequest Request(ReplayedExchange exchange, RequestFactory factory)
    {
        using var sent = factory.Create(exchange.Request);
        var headers = new List<HarNameValue> { new("Host", sent.Headers.Host ?? sent.RequestUri!.Authority) };
        foreach (var h in sent.Headers.NonValidated)
            if (!string.Equals(h.Key, "Host", StringComparison.OrdinalIgnoreCase))
                foreach (string v in h.Value)
                    headers.Add(new HarNameValue(h.Key, v));
        byte[] body = exchange.Request.Body;
        string? contentType = null;
        if (sent.Content is not null)
        {
            foreach (var h in sent.Content.Headers.NonValidated)
                foreach (string v in h.Value)
                    headers.Add(new HarNameValue(h.Key, v));
            headers.Add(new HarNameValue("Content-Length", body.Length.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            contentType = sent.Content.Headers.NonValidated.TryGetValues("Content-Type", out var ct) ? ct.ToString() : null;
        }
        var request = new HarRequest
        {
            Method = exchange.Request.Method,
            Url = exchange.Url,
            HttpVersion = HarVersion(sent.Version),
            Headers = headers,
            QueryString = UrlParts.QueryString(exchange.Url),
            BodySize = body.Length,
        };
        if (body.Length > 0)
        {
            var (text, encoding) = BodyText.From(body, contentType);
            request.PostData = new HarPostData { MimeType = contentType ?? "", Text = text, Encoding = encoding };
        }
        return request;
    }

    /// <summary>"HTTP/1.1", or "HTTP/2.0" for an exchange sent over HTTP/2 (a spelling every HAR reader, this one too, takes for h2).</summary>
    static string HarVersion(Version version) => version.Major >= 2 ? "HTTP/2.0" : $"HTTP/{version.Major}.{version.Minor}";

    static HarResponse Response(ReceivedResponse response)
    {
        byte[] decoded = response.DecodedBody() ?? response.Body;
        string mime = response.Header("Content-Type") ?? "";
        var (text, encoding) = BodyText.From(decoded, mime);
        return new HarResponse
        {
            Status = response.Status,
            HttpVersion = HarVersion(response.HttpVersion),
            Headers = response.Headers.Select(h => new HarNameValue(h.Name, h.Value)).ToList(),
            Content = new HarContent
            {
                Size = decoded.Length,
                Compression = decoded.Length != response.Body.Length ? decoded.Length - response.Body.Length : null,
                MimeType = mime,
                Text = decoded.Length == 0 ? null : text,
                Encoding = encoding,
            },
            BodySize = response.Body.Length,
        };
    }
}
