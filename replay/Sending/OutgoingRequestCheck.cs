using System.Globalization;
using System.Text;
using Capture.Replay.Input;

namespace Capture.Replay.Sending;

/// <summary>
/// The one rule for what may reach the wire (RFC 9110): a method and header names are tokens, header
/// values are field values (no CR, LF, NUL or other control character but HTAB), a request target has
/// no control character. A recording is hostile input: whatever breaks these rules would let it write
/// its own request line or headers (request smuggling), so such a request is not sent at all.
/// Non-ASCII in a target is not an error: it is sent percent-encoded as UTF-8 (<see cref="EncodeTarget"/>).
/// </summary>
public static class OutgoingRequestCheck
{
    /// <summary>Why this request cannot be sent faithfully, or null when it can.</summary>
    public static string? Problem(string method, string pathAndQuery, IEnumerable<HeaderField> headers)
    {
        if (MethodProblem(method) is string m)
            return m;
        if (TargetProblem(pathAndQuery) is string t)
            return t;
        foreach (var h in headers)
            if (HeaderProblem(h.Name, h.Value) is string p)
                return p;
        return null;
    }

    public static string? MethodProblem(string method) =>
        IsToken(method) ? null : $"method {Quote(method)} is not an HTTP token";

    /// <summary>A path and query (or a path prefix) that holds a control character, or an unpaired surrogate, cannot be sent.</summary>
    public static string? TargetProblem(string pathAndQuery)
    {
        for (int i = 0; i < pathAndQuery.Length; i++)
        {
            char c = pathAndQuery[i];
            if (IsControl(c))
                return $"URL contains {Describe(c)}";
            if (char.IsSurrogate(c) && !IsPairAt(pathAndQuery, i++))
                return "URL contains invalid UTF-16 (an unpaired surrogate)";
        }
        return null;
    }

    public static string? HeaderProblem(string name, string value)
    {
        if (!IsToken(name))
            return $"header name {Quote(name)} is not an HTTP token";
        return FieldValueProblem(value) is string p ? $"header {name} value {p}" : null;
    }

    /// <summary>
    /// RFC 9110 field-value: visible characters, SP and HTAB; bytes from 0x80 up (obs-text) are allowed,
    /// so a non-ASCII value is sent as UTF-8, as the recording decoded it.
    /// </summary>
    public static string? FieldValueProblem(string value)
    {
        for (int i = 0; i < value.Length; i++)
        {
            char c = value[i];
            if (c is '\r' or '\n')
                return "contains CR/LF";
            if (IsControl(c) && c != '\t')
                return $"contains {Describe(c)}";
            if (char.IsSurrogate(c) && !IsPairAt(value, i++))
                return "contains invalid UTF-16 (an unpaired surrogate)";
        }
        return null;
    }

    /// <summary>
    /// The target as it goes on the request line: spaces and non-ASCII characters percent-encoded as
    /// UTF-8, everything else as recorded (never normalised). Call only after <see cref="TargetProblem"/> said null.
    /// </summary>
    public static string EncodeTarget(string pathAndQuery)
    {
        int first = pathAndQuery.AsSpan().IndexOfAnyExceptInRange('!', '~');
        if (first < 0)
            return pathAndQuery;
        var encoded = new StringBuilder(pathAndQuery.Length + 16).Append(pathAndQuery, 0, first);
        Span<byte> utf8 = stackalloc byte[4];
        for (int i = first; i < pathAndQuery.Length; i++)
        {
            char c = pathAndQuery[i];
            if (c is > ' ' and <= '~')
            {
                encoded.Append(c);
                continue;
            }
            var rune = char.IsHighSurrogate(c) ? new Rune(c, pathAndQuery[++i]) : new Rune(c);
            int length = rune.EncodeToUtf8(utf8);
            foreach (byte b in utf8[..length])
                encoded.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
        }
        return encoded.ToString();
    }

    /// <summary>RFC 9110 token: one or more of ! # $ % &amp; ' * + - . ^ _ ` | ~ digits and letters.</summary>
    public static bool IsToken(string s)
    {
        if (s.Length == 0)
            return false;
        foreach (char c in s)
            if (!(char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c)))
                return false;
        return true;
    }

    static bool IsControl(char c) => c < ' ' || c == '\x7f';

    static bool IsPairAt(string s, int i) => char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]);

    static string Describe(char c) => c switch
    {
        '\r' or '\n' => "CR/LF",
        '\0' => "NUL",
        _ => $"control character 0x{(int)c:X2}",
    };

    /// <summary>The text for a message, with control characters shown as escapes and cut to a readable length.</summary>
    static string Quote(string s)
    {
        var shown = new StringBuilder("'");
        foreach (char c in s.Length > 40 ? s[..40] : s)
            shown.Append(IsControl(c) ? $"\\x{(int)c:X2}" : c.ToString());
        return shown.Append(s.Length > 40 ? "...'" : "'").ToString();
    }
}
