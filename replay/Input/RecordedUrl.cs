namespace Capture.Replay.Input;

/// <summary>
/// Splits a recorded URL by hand: System.Uri would normalise dot segments and escapes,
/// and a replay must send the path exactly as production received it.
/// </summary>
public static class RecordedUrl
{
    public static bool IsHttp(string url) =>
        url.StartsWith("http://", StringComparison.OrdinalIgnoreCase) ||
        url.StartsWith("https://", StringComparison.OrdinalIgnoreCase);

    public static string PathAndQuery(string url)
    {
        int start = AuthorityStart(url);
        if (start < 0)
            return StripFragment(url.Length > 0 && url[0] == '/' ? url : "/" + url);
        int slash = url.IndexOfAny(['/', '?', '#'], start);
        if (slash < 0)
            return "/";
        string rest = StripFragment(url[slash..]);
        return rest.StartsWith('?') ? "/" + rest : rest.Length == 0 ? "/" : rest;
    }

    /// <summary>Host without port, lower case; empty when the URL has none.</summary>
    public static string Host(string url)
    {
        string authority = Authority(url);
        int at = authority.LastIndexOf('@');
        if (at >= 0)
            authority = authority[(at + 1)..];
        if (authority.StartsWith('['))
        {
            int close = authority.IndexOf(']');
            return close > 0 ? authority[..(close + 1)].ToLowerInvariant() : authority.ToLowerInvariant();
        }
        int colon = authority.IndexOf(':');
        return (colon >= 0 ? authority[..colon] : authority).ToLowerInvariant();
    }

    /// <summary>host[:port] as written in the URL.</summary>
    public static string Authority(string url)
    {
        int start = AuthorityStart(url);
        if (start < 0)
            return "";
        int end = url.IndexOfAny(['/', '?', '#'], start);
        return end < 0 ? url[start..] : url[start..end];
    }

    static int AuthorityStart(string url)
    {
        int scheme = url.IndexOf("://", StringComparison.Ordinal);
        return scheme < 0 ? -1 : scheme + 3;
    }

    static string StripFragment(string s)
    {
        int hash = s.IndexOf('#');
        return hash < 0 ? s : s[..hash];
    }
}
