using System.Net;
using System.Text;
using Capture.Traffic.Http;
using Capture.Traffic.Reassembly;

namespace Capture.Traffic.Har;

/// <summary>Rebuilds a request's absolute URL and splits query strings and form bodies into name/value pairs.</summary>
internal static class UrlParts
{
    /// <summary>
    /// scheme://host[:port]/target: the host from the request's authority (<see cref="Authority"/>), else
    /// the server's socket address; the scheme from HTTP/2's ":scheme", else from the connection (https
    /// when TLS plaintext was captured). Characters a URI may not hold (spaces, non-ASCII) are
    /// percent-encoded so the URL stays valid.
    /// </summary>
    public static string RequestUrl(HttpMessage request, ConnectionInfo connection)
    {
        string target = request.Target;
        if (target.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || target.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
            return EscapeForUri(target);
        string scheme = request.GetHeader(":scheme") is { } s && (s.Equals("http", StringComparison.OrdinalIgnoreCase) || s.Equals("https", StringComparison.OrdinalIgnoreCase))
            ? s.ToLowerInvariant()
            : connection.IsTls ? "https" : "http";
        string host = Authority(request) ?? HostFromSocket(connection.ServerEndPoint, scheme == "https");
        string path = request.Method == "CONNECT" ? "" : target == "*" ? "/*" : target.StartsWith('/') ? target : "/" + target;
        return EscapeForUri($"{scheme}://{(request.Method == "CONNECT" ? target : host)}{path}");
    }

    /// <summary>The host[:port] the request was for: HTTP/2's ":authority", else the Host header; null when neither is there.</summary>
    public static string? Authority(HttpMessage request) =>
        request.GetHeader(":authority") is { Length: > 0 } authority ? authority
        : request.GetHeader("Host") is { Length: > 0 } host ? host
        : null;

    /// <summary>Name/value pairs of the query part of a target or URL, percent-decoded ('+' is a space, as browsers send forms).</summary>
    public static List<HarNameValue> QueryString(string target)
    {
        int question = target.IndexOf('?');
        if (question < 0)
            return [];
        int hash = target.IndexOf('#', question);
        string query = hash < 0 ? target[(question + 1)..] : target[(question + 1)..hash];
        return FormPairs(query);
    }

    /// <summary>application/x-www-form-urlencoded pairs.</summary>
    public static List<HarNameValue> FormPairs(string encoded)
    {
        var pairs = new List<HarNameValue>();
        foreach (var part in encoded.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            int equals = part.IndexOf('=');
            string name = equals < 0 ? part : part[..equals];
            string value = equals < 0 ? "" : part[(equals + 1)..];
            pairs.Add(new HarNameValue(Decode(name), Decode(value)));
        }
        return pairs;
    }

    /// <summary>Replaces the values of the named query parameters in a URL, leaving the rest byte for byte.</summary>
    public static string RedactQuery(string url, Func<string, bool> isSecret, Func<string, string> replacement)
    {
        int question = url.IndexOf('?');
        if (question < 0)
            return url;
        int hash = url.IndexOf('#', question);
        string query = hash < 0 ? url[(question + 1)..] : url[(question + 1)..hash];
        return url[..(question + 1)] + RedactPairs(query, isSecret, replacement) + (hash < 0 ? "" : url[hash..]);
    }

    /// <summary>
    /// Replaces the values of the named fields in application/x-www-form-urlencoded text (a query or a form body),
    /// leaving the rest byte for byte; <paramref name="replacement"/> gets the decoded value and its result is percent-encoded.
    /// </summary>
    public static string RedactPairs(string encoded, Func<string, bool> isSecret, Func<string, string> replacement)
    {
        var parts = encoded.Split('&');
        bool changed = false;
        for (int i = 0; i < parts.Length; i++)
        {
            int equals = parts[i].IndexOf('=');
            string name = equals < 0 ? parts[i] : parts[i][..equals];
            if (name.Length == 0 || !isSecret(Decode(name)))
                continue;
            parts[i] = name + "=" + Uri.EscapeDataString(replacement(equals < 0 ? "" : Decode(parts[i][(equals + 1)..])));
            changed = true;
        }
        return changed ? string.Join('&', parts) : encoded;
    }

    private static string HostFromSocket(IPEndPoint? server, bool tls)
    {
        if (server is null)
            return "unknown-host";
        string address = server.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{server.Address}]" : server.Address.ToString();
        bool defaultPort = server.Port == (tls ? 443 : 80);
        return defaultPort ? address : $"{address}:{server.Port}";
    }

    private static string Decode(string s)
    {
        try
        {
            return Uri.UnescapeDataString(s.Replace('+', ' '));
        }
        catch (UriFormatException)
        {
            return s;
        }
    }

    /// <summary>Percent-encodes characters RFC 3986 does not allow anywhere in a URI; keeps existing escapes.</summary>
    internal static string EscapeForUri(string url)
    {
        if (url.AsSpan().IndexOfAnyExcept(UriChars) < 0)
            return url;
        var sb = new StringBuilder(url.Length + 16);
        Span<byte> utf8 = stackalloc byte[4];
        for (int i = 0; i < url.Length; i++)
        {
            char c = url[i];
            if (IsUriChar(c))
            {
                sb.Append(c);
                continue;
            }
            int length = char.IsHighSurrogate(c) && i + 1 < url.Length
                ? Encoding.UTF8.GetBytes(url.AsSpan(i++, 2), utf8)
                : Encoding.UTF8.GetBytes(url.AsSpan(i, 1), utf8);
            foreach (byte b in utf8[..length])
                sb.Append('%').Append(b.ToString("X2"));
        }
        return sb.ToString();
    }

    private static readonly System.Buffers.SearchValues<char> UriChars = System.Buffers.SearchValues.Create(
        Enumerable.Range(33, 94).Select(i => (char)i).Where(IsUriChar).ToArray());

    private static bool IsUriChar(char c) =>
        c is > ' ' and < (char)127 && c is not ('"' or '<' or '>' or '\\' or '^' or '`' or '{' or '|' or '}');
}
