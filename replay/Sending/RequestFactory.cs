using System.Collections.Concurrent;
using Capture.Replay.Input;

namespace Capture.Replay.Sending;

/// <summary>
/// Turns a recorded request into an HttpRequestMessage for the target: path and query
/// from the recording (rewritten if asked), scheme/host/port from the target, recorded
/// headers minus the ones that belong to a single connection.
/// </summary>
internal sealed class RequestFactory(Uri target, RequestRewrites rewrites)
{
    // Connection-level headers: they describe the recorded connection, not the request,
    // and HttpClient sets its own (Content-Length from the body, Host from the target).
    static readonly HashSet<string> NotForwarded = new(StringComparer.OrdinalIgnoreCase)
    {
        "Host", "Content-Length", "Transfer-Encoding", "Connection", "Keep-Alive",
        "Proxy-Connection", "TE", "Trailer", "Upgrade", "Expect",
    };

    static readonly UriCreationOptions Verbatim = new() { DangerousDisablePathAndQueryCanonicalization = true };

    readonly string _origin = target.GetLeftPart(UriPartial.Authority);
    readonly string _basePath = target.AbsolutePath.TrimEnd('/');
    readonly HashSet<string> _dropped = new(rewrites.DropHeaders, StringComparer.OrdinalIgnoreCase);
    readonly HashSet<string> _replaced = new(rewrites.SetHeaders.Select(h => h.Name), StringComparer.OrdinalIgnoreCase);

    // Building, checking and parsing the URL is a visible cost at full speed, and a plan item always maps
    // to the same request: all of it is computed once per plan item.
    readonly ConcurrentDictionary<ReplayRequest, TargetUrl> _urls = new(ReferenceEqualityComparer.Instance);

    sealed class TargetUrl(string text, string? refusal)
    {
        public readonly string Text = text;
        /// <summary>Why the request is not sent (see <see cref="OutgoingRequestCheck"/>), or null.</summary>
        public readonly string? Refusal = refusal;
        // Parsed on first send, so a URL that does not parse fails that send (invalid-request), not UrlFor.
        public Uri? Parsed;
    }

    /// <summary>The URL the request goes to.</summary>
    public string UrlFor(ReplayRequest request) => Url(request).Text;

    /// <summary>Why this request must not be sent as it would go out (after rewrites), or null when it can be.</summary>
    public string? RefusalFor(ReplayRequest request) => Url(request).Refusal;

    TargetUrl Url(ReplayRequest request) => _urls.GetOrAdd(request, static (r, self) => self.Build(r), this);

    TargetUrl Build(ReplayRequest request)
    {
        string path = request.PathAndQuery;
        if (rewrites.PathPrefix is var (from, to) && path.StartsWith(from, StringComparison.Ordinal))
            path = to + path[from.Length..];
        if (!path.StartsWith('/'))
            path = "/" + path;
        string? refusal = OutgoingRequestCheck.Problem(request.Method, path, FieldsSent(request));
        return new TargetUrl(_origin + _basePath + (refusal is null ? OutgoingRequestCheck.EncodeTarget(path) : path), refusal);
    }

    /// <summary>Every header <see cref="Create"/> puts on the wire for this request, for the check.</summary>
    IEnumerable<HeaderField> FieldsSent(ReplayRequest request)
    {
        foreach (var h in request.Headers)
            if (IsForwarded(h))
                yield return h;
        foreach (var h in rewrites.SetHeaders)
            yield return h;
        if (rewrites.KeepHost && !_replaced.Contains("Host"))
            yield return new HeaderField("Host", RecordedHost(request));
    }

    // HTTP/2 pseudo-headers (":authority", ":path") from browser exports are not headers.
    bool IsForwarded(HeaderField h) =>
        !(h.Name.StartsWith(':') || NotForwarded.Contains(h.Name) || _dropped.Contains(h.Name) || _replaced.Contains(h.Name));

    /// <summary>
    /// A fresh message (a message can be sent only once, so each attempt gets its own).
    /// Only for a request whose <see cref="RefusalFor"/> is null: nothing else may reach the wire.
    /// </summary>
    public HttpRequestMessage Create(ReplayRequest request)
    {
        var url = Url(request);
        if (url.Refusal is not null)
            throw new InvalidOperationException($"Refused to send: {url.Refusal}.");
        var uri = url.Parsed ??= new Uri(url.Text, Verbatim);
        var (version, policy) = HttpVersionChoices.For(rewrites.HttpVersion, request.HttpVersion);
        var message = new ReplayRequestMessage(Method(request.Method), uri)
        {
            Version = version,
            VersionPolicy = policy,
        };
        if (version.Major >= 2)
            Http2Specifics(request, message);
        List<HeaderField>? contentHeaders = null; // most requests have none: no list for them
        foreach (var h in request.Headers)
        {
            if (IsForwarded(h) && !message.Headers.TryAddWithoutValidation(h.Name, h.Value))
                (contentHeaders ??= []).Add(h);
        }
        foreach (var h in rewrites.SetHeaders)
        {
            if (string.Equals(h.Name, "Host", StringComparison.OrdinalIgnoreCase))
                message.Headers.Host = h.Value;
            else if (!message.Headers.TryAddWithoutValidation(h.Name, h.Value))
                (contentHeaders ??= []).Add(h);
        }
        if (rewrites.KeepHost && !_replaced.Contains("Host"))
            message.Headers.Host = RecordedHost(request);

        if (request.Body.Length > 0 || contentHeaders is not null)
        {
            var content = new ByteArrayContent(request.Body);
            foreach (var h in contentHeaders ?? [])
                content.Headers.TryAddWithoutValidation(h.Name, h.Value);
            message.Content = content;
        }
        return message;
    }

    /// <summary>
    /// An HTTP/2 request keeps to its recorded connection (<see cref="RecordedConnectionHandler"/>), and keeps
    /// "TE: trailers", the one TE value HTTP/2 allows, which gRPC clients send.
    /// </summary>
    static void Http2Specifics(ReplayRequest request, HttpRequestMessage message)
    {
        if (request.ConnectionId is string connection)
            message.Options.Set(RecordedConnectionHandler.Connection, connection);
        if (request.Headers.Any(h => string.Equals(h.Name, "TE", StringComparison.OrdinalIgnoreCase) && string.Equals(h.Value.Trim(), "trailers", StringComparison.OrdinalIgnoreCase)))
            message.Headers.TryAddWithoutValidation("TE", "trailers");
    }

    /// <summary>The shared instances for common methods (HttpClient recognises them without string compares).</summary>
    static HttpMethod Method(string name) => name switch
    {
        "GET" => HttpMethod.Get,
        "POST" => HttpMethod.Post,
        "PUT" => HttpMethod.Put,
        "DELETE" => HttpMethod.Delete,
        "HEAD" => HttpMethod.Head,
        "PATCH" => HttpMethod.Patch,
        "OPTIONS" => HttpMethod.Options,
        _ => new HttpMethod(name),
    };

    static string RecordedHost(ReplayRequest request) =>
        request.Headers.FirstOrDefault(h => string.Equals(h.Name, "Host", StringComparison.OrdinalIgnoreCase))?.Value
        ?? request.Headers.FirstOrDefault(h => h.Name == ":authority")?.Value
        ?? RecordedUrl.Authority(request.Url);
}
