using System.Text;
using Capture.Traffic.Json;
using Capture.Traffic.Redaction;

namespace Capture.Traffic.Har;

/// <summary>
/// Replaces secrets in HAR entries with keyed tokens (<see cref="RedactionTokens"/>, "redacted:3fa2…"): the values
/// of Authorization, Proxy-Authorization, Cookie and Set-Cookie (and so every cookie value), of any header, query
/// parameter or form field (request or response body) named by the user, of JSON object keys of those names at any
/// depth, and of the JSON paths given, in request and response bodies. Sizes (headersSize, bodySize, content.size)
/// keep describing the recorded message, not the redacted text.
/// </summary>
internal sealed class HarRedactor
{
    public static readonly IReadOnlyList<string> DefaultNames = ["Authorization", "Proxy-Authorization", "Cookie", "Set-Cookie"];

    private const string FormMediaType = "application/x-www-form-urlencoded";

    private readonly HashSet<string> _names;
    private readonly RedactionTokens _tokens;
    private readonly JsonBodyRedactor _json;

    public HarRedactor(RedactionRules rules)
    {
        _names = new HashSet<string>(DefaultNames.Concat(rules.Names), StringComparer.OrdinalIgnoreCase);
        _tokens = rules.Key is { } key ? new RedactionTokens(key) : RedactionTokens.WithRandomKey();
        _json = new JsonBodyRedactor(_names, rules.JsonPaths, _tokens);
    }

    /// <summary>Values replaced by tokens so far.</summary>
    public long ValuesRedacted { get; private set; }

    /// <summary>JSON bodies that stopped being JSON before their end: nothing after that point was redacted (the body's comment says where).</summary>
    public long UnparsedJsonBodies { get; private set; }

    public bool IsSecret(string name) => _names.Contains(name);

    public void Redact(HarEntry entry)
    {
        RedactHeaders(entry.Request.Headers);
        RedactHeaders(entry.Response.Headers);
        foreach (var cookie in entry.Request.Cookies.Concat(entry.Response.Cookies))
            cookie.Value = Token(cookie.Value);
        for (int i = 0; i < entry.Request.QueryString.Count; i++)
            if (IsSecret(entry.Request.QueryString[i].Name))
                entry.Request.QueryString[i] = entry.Request.QueryString[i] with { Value = Token(entry.Request.QueryString[i].Value) };
        entry.Request.Url = UrlParts.RedactQuery(entry.Request.Url, IsSecret, _tokens.For);
        if (entry.Request.PostData is { } post)
        {
            foreach (var p in post.Params)
                if (IsSecret(p.Name) && p.FileName is null)
                    p.Value = Token(p.Value ?? "");
            post.Comment = Note(post.Comment, RedactBody(ref post._body, post.MimeType, post.Encoding));
        }
        var content = entry.Response.Content;
        content.Comment = Note(content.Comment, RedactBody(ref content._body, content.MimeType, content.Encoding));
    }

    private string Token(string value)
    {
        ValuesRedacted++;
        return _tokens.For(value);
    }

    private void RedactHeaders(List<HarNameValue> headers)
    {
        for (int i = 0; i < headers.Count; i++)
            if (IsSecret(headers[i].Name))
                headers[i] = headers[i] with { Value = Token(headers[i].Value) };
    }

    /// <summary>Redacts a form or JSON body in place; returns a note for the body's comment when the JSON could not all be read.</summary>
    private string? RedactBody(ref LazyBodyText body, string mimeType, string? encoding)
    {
        bool isForm = mimeType.StartsWith(FormMediaType, StringComparison.OrdinalIgnoreCase);
        if (!body.TryGetBytes(out var bytes, out bool base64))
        {
            if (string.IsNullOrEmpty(body.Text))
                return null;
            base64 = string.Equals(encoding, "base64", StringComparison.OrdinalIgnoreCase);
            if (isForm && !base64)
            {
                body.Text = UrlParts.RedactPairs(body.Text, IsSecret, Token);
                return null;
            }
            if (!TryBytes(body.Text, base64, out byte[] decoded))
                return null;
            bytes = decoded;
        }
        if (isForm && !base64)
        {
            body.Text = UrlParts.RedactPairs(body.Text!, IsSecret, Token);
            return null;
        }
        if (!JsonText.IsJson(mimeType, bytes.Span))
            return null;
        var result = _json.Redact(bytes.Span);
        ValuesRedacted += result.Values;
        if (result.Redacted is { } redacted)
            body.SetBytes(redacted, base64);
        if (result.UnparsedFrom is not { } at)
            return null;
        UnparsedJsonBodies++;
        return $"redaction: the JSON is not valid from byte {at}; values after that point were not redacted";
    }

    private static bool TryBytes(string text, bool base64, out byte[] bytes)
    {
        if (!base64)
        {
            bytes = Encoding.UTF8.GetBytes(text);
            return true;
        }
        try
        {
            bytes = Convert.FromBase64String(text);
            return true;
        }
        catch (FormatException)
        {
            bytes = [];
            return false;
        }
    }

    private static string? Note(string? comment, string? note) =>
        note is null ? comment : string.IsNullOrEmpty(comment) ? note : comment + "; " + note;
}
