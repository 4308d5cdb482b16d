using System.Collections.Concurrent;
using Capture.Replay.Input;

namespace Capture.Replay.Sending;

/// <summary>
/// Turns a recorded request into an HttpRequestMessage for the target: path and query
/// from the recording (rewritten if asked), scheme/host/port from the target, recorded
/// headers minus the ones that belong to a single connection.
/// </summary>
public sealed class RequestFactory(Uri target, RequestRewrites rewrites)
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

    // Building and parsing the URL is a visible cost at full speed, and a plan item always maps to
    // the same URL: both are computed once per plan item.
    readonly ConcurrentDictionary<ReplayRequest, TargetUrl> _urls = new(ReferenceEqualityComparer.Instance);

    sealed class TargetUrl(string text)
    {
        public readonly string Text = text;
        // Parsed on first send, so a URL that does not parse fails that send (invalid-request), not UrlFor.
        public Uri? Parsed;
    }

    /// <summary>The URL the request goes to.</summary>
    public string UrlFor(ReplayRequest request) => Url(request).Text;

    TargetUrl Url(ReplayRequest request) => _urls.GetOrAdd(request, static (r, self) => new TargetUrl(self.BuildUrl(r)), this);

    string BuildUrl(ReplayRequest request)
    {
        string path = request.PathAndQuery;
        if (rewrites.PathPrefix is var (from, to) && path.StartsWith(from, StringComparison.Ordinal))
            path = to + path[from.Length..];
        if (!path.StartsWith('/'))
            path = "/" + path;
        return _origin + _basePath + path;
    }

    /// <summary>A fresh message (a message can be sent only once, so each attempt gets its own).</summary>
    public HttpRequestMessage Create(ReplayRequest request)
    {
        var url = Url(request);
        var uri = url.Parsed ??= new Uri(url.Text, Verbatim);
        var message = new HttpRequestMessage(Method(request.Method), uri)
        {
            Version = System.Net.HttpVersion.Version11,
            VersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
        };
        List<HeaderField>? contentHeaders = null; // most requests have none: no list for them
        foreach (var h in request.Headers)
        {
            // HTTP/2 pseudo-headers (":authority", ":path") from browser exports are not headers.
            if (h.Name.StartsWith(':') || NotForwarded.Contains(h.Name) || _dropped.Contains(h.Name) || _replaced.Contains(h.Name))
                continue;
            if (!message.Headers.TryAddWithoutValidation(h.Name, h.Value))
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
