using Capture.Format;
using Capture.Traffic.Http;
using Capture.Traffic.Reassembly;

namespace Capture.Traffic.Har;

/// <summary>
/// Turns one <see cref="HttpExchange"/> into a HAR entry. Sizes follow the HAR 1.2 definitions:
/// headersSize counts the start line through the blank line; bodySize counts the body as it crossed
/// the wire without chunk framing (still content-encoded); content.size is the decoded length and
/// compression the bytes saved by the content encoding.
/// </summary>
internal sealed class HarEntryBuilder(CaptureHeader header, Capture.Traffic.Grpc.ProtobufJson? protobuf = null)
{
    private const double NsPerMs = 1_000_000.0;

    // What browsers write when a message has no Content-Type; the bytes then decide text or base64.
    private const string UnknownMimeType = "x-unknown";

    /// <summary>False when the exchange has no request to describe (its head was lost or never seen).</summary>
    public static bool CanDescribe(HttpExchange exchange) => exchange.Request is { Lost: false, Version.Length: > 0 };

    public HarEntry Build(HttpExchange exchange)
    {
        var request = exchange.Request ?? throw new ArgumentException("The exchange has no request.", nameof(exchange));
        var response = exchange.Response is { Lost: false, Version.Length: > 0 } r ? r : null;
        var setup = ConnectionSetup.Of(exchange, request);
        var entry = new HarEntry
        {
            StartedDateTime = header.ToWallClock(setup?.StartNs ?? request.FirstByteNs),
            Request = BuildRequest(request, exchange.Connection),
            Response = response is null ? new HarResponse { Content = new HarContent { MimeType = "x-unknown" } } : BuildResponse(response),
            Timings = BuildTimings(request, response, setup),
            ServerIPAddress = exchange.Connection.ServerEndPoint?.Address.ToString(),
            Connection = exchange.Connection.ConnectionId.ToString(System.Globalization.CultureInfo.InvariantCulture),
            Pid = exchange.Connection.Pid,
            Process = exchange.Connection.ProcessName,
            Host = exchange.Connection.Host.Length > 0 ? exchange.Connection.Host : null,
            ConnectionId = exchange.Connection.ConnectionId,
            Container = exchange.Connection.Container,
            PeerPid = exchange.Peer?.Pid,
            PeerProcess = exchange.Peer?.ProcessName,
            Incomplete = exchange.Incomplete,
            GapBytes = exchange.GapBytes,
            Truncated = exchange.Truncated,
            Malformed = exchange.Malformed,
            Upgraded = exchange.Upgraded ? true : null,
            Stream = exchange.Http2?.StreamId,
            HpackIncomplete = exchange.Http2?.HpackIncomplete == true ? true : null,
            StreamReset = exchange.Http2 is { } stream ? Http2HarFields.StreamReset(stream) : null,
            Grpc = HarGrpcBuilder.Build(exchange, protobuf),
        };
        entry.Time = entry.Timings.Total();
        if (exchange.Malformed)
            entry.Comment = exchange.Request?.MalformedReason ?? exchange.Response?.MalformedReason;
        else if (exchange.Response is null)
            entry.Comment = "no response was captured";
        return entry;
    }

    private static HarRequest BuildRequest(HttpMessage request, ConnectionInfo connection)
    {
        var har = new HarRequest
        {
            Method = request.Method,
            Url = UrlParts.RequestUrl(request, connection),
            HttpVersion = Http2HarFields.HttpVersion(request),
            Headers = Headers(request),
            QueryString = UrlParts.QueryString(request.Target),
            HeadersSize = request.HeadSize,
            BodySize = request.BodyLength,
        };
        foreach (var h in request.Headers)
            if (h.Name.Equals("Cookie", StringComparison.OrdinalIgnoreCase))
                har.Cookies.AddRange(CookieParser.FromCookieHeader(h.Value));
        if (request.BodyLength > 0 || request.GetHeader("Content-Type") is not null && request.GapBytes > 0)
            har.PostData = BuildPostData(request);
        return har;
    }

    private static HarPostData BuildPostData(HttpMessage request)
    {
        string mimeType = request.GetHeader("Content-Type") ?? UnknownMimeType;
        var body = DecodedBody.Of(request);
        bool text = body.IsText(mimeType);
        var post = new HarPostData { MimeType = mimeType, Encoding = text ? null : "base64" };
        body.SetAsText(ref post._body, base64: !text);
        if (text && mimeType.StartsWith("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase))
            post.Params = UrlParts.FormPairs(post.Text!).Select(p => new HarParam { Name = p.Name, Value = p.Value }).ToList();
        return post;
    }

    private static HarResponse BuildResponse(HttpMessage response)
    {
        var har = new HarResponse
        {
            Status = response.StatusCode,
            StatusText = response.Reason,
            HttpVersion = Http2HarFields.HttpVersion(response),
            Headers = Headers(response),
            RedirectUrl = response.GetHeader("Location") ?? "",
            HeadersSize = response.HeadSize,
            BodySize = response.BodyLength,
        };
        foreach (var h in response.Headers)
            if (h.Name.Equals("Set-Cookie", StringComparison.OrdinalIgnoreCase))
                har.Cookies.Add(CookieParser.FromSetCookie(h.Value));

        string mimeType = response.GetHeader("Content-Type") ?? UnknownMimeType;
        string? contentEncoding = response.GetHeader("Content-Encoding");
        var body = DecodedBody.Of(response);
        har.Content = new HarContent { Size = body.Length, MimeType = mimeType };
        if (!body.IsEmpty)
        {
            bool text = body.IsText(mimeType);
            har.Content.Encoding = text ? null : "base64";
            body.SetAsText(ref har.Content._body, base64: !text);
        }
        if (ContentDecoder.IsEncoded(contentEncoding) && response.BodyLength > 0)
        {
            if (body.Decoded)
                har.Content.Compression = body.Length - response.BodyLength;
            else
                har.Content.Comment = $"body could not be decoded ({contentEncoding}); text holds the encoded bytes";
        }
        return har;
    }

    private static List<HarNameValue> Headers(HttpMessage message)
    {
        var list = new List<HarNameValue>(message.Headers.Count + message.Trailers.Count);
        foreach (var h in Http2HarFields.OrderedHeaders(message))
            list.Add(new HarNameValue(h.Name, h.Value));
        // HAR has no slot for trailers; they are header fields that came after the body.
        foreach (var t in message.Trailers)
            list.Add(new HarNameValue(t.Name, t.Value) { Comment = "trailer" });
        return list;
    }

    /// <summary>
    /// send = request first to last byte, wait = request end to response start, receive = response first to last byte;
    /// blocked, connect and ssl from the connection's setup on its first exchange (see <see cref="ConnectionSetup"/>).
    /// </summary>
    private static HarTimings BuildTimings(HttpMessage request, HttpMessage? response, ConnectionSetup? setup)
    {
        var timings = new HarTimings { Send = Ms(request.FirstByteNs, request.LastByteNs) };
        if (setup is { } s)
        {
            timings.Connect = s.ConnectMs;
            timings.Ssl = s.SslMs;
            timings.Blocked = s.BlockedMs;
        }
        if (response is not null)
        {
            timings.Wait = Ms(request.LastByteNs, response.FirstByteNs);
            timings.Receive = Ms(response.FirstByteNs, response.LastByteNs);
        }
        return timings;
    }

    /// <summary>Never negative: a server may answer before the request body has been read.</summary>
    private static double Ms(ulong fromNs, ulong toNs) => toNs > fromNs ? (toNs - fromNs) / NsPerMs : 0;
}
