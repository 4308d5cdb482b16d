namespace Capture.Format.Har;

/// <summary>
/// Replaces secrets with "[redacted]": the values of Authorization, Proxy-Authorization, Cookie and
/// Set-Cookie (and so every cookie value), plus any header, query parameter or form field named by the user.
/// </summary>
public sealed class HarRedactor
{
    public const string Replacement = "[redacted]";

    public static readonly IReadOnlyList<string> DefaultNames = ["Authorization", "Proxy-Authorization", "Cookie", "Set-Cookie"];

    private readonly HashSet<string> _names;

    public HarRedactor(IEnumerable<string> extraNames)
    {
        _names = new HashSet<string>(DefaultNames.Concat(extraNames), StringComparer.OrdinalIgnoreCase);
    }

    public bool IsSecret(string name) => _names.Contains(name);

    public void Redact(HarEntry entry)
    {
        RedactHeaders(entry.Request.Headers);
        RedactHeaders(entry.Response.Headers);
        foreach (var cookie in entry.Request.Cookies.Concat(entry.Response.Cookies))
            cookie.Value = Replacement;
        for (int i = 0; i < entry.Request.QueryString.Count; i++)
            if (IsSecret(entry.Request.QueryString[i].Name))
                entry.Request.QueryString[i] = entry.Request.QueryString[i] with { Value = Replacement };
        entry.Request.Url = UrlParts.RedactQuery(entry.Request.Url, IsSecret, Replacement);
        if (entry.Request.PostData is { } post && post.Params.Any(p => IsSecret(p.Name)))
        {
            foreach (var p in post.Params)
                if (IsSecret(p.Name))
                    p.Value = Replacement;
            // The raw text would still hold the secret: rebuild it from the redacted fields.
            post.Text = string.Join('&', post.Params.Select(p => Uri.EscapeDataString(p.Name) + "=" + Uri.EscapeDataString(p.Value ?? "")));
        }
    }

    private void RedactHeaders(List<HarNameValue> headers)
    {
        for (int i = 0; i < headers.Count; i++)
            if (IsSecret(headers[i].Name))
                headers[i] = headers[i] with { Value = Replacement };
    }
}
