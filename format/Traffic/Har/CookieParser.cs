using System.Globalization;

namespace Capture.Traffic.Har;

/// <summary>Cookies of a Cookie request header and of Set-Cookie response headers (RFC 6265), for HAR.</summary>
internal static class CookieParser
{
    /// <summary>"a=1; b=2" into name/value pairs.</summary>
    public static IEnumerable<HarCookie> FromCookieHeader(string header)
    {
        foreach (var part in header.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            int equals = part.IndexOf('=');
            yield return equals < 0
                ? new HarCookie { Name = "", Value = part }
                : new HarCookie { Name = part[..equals].Trim(), Value = part[(equals + 1)..].Trim() };
        }
    }

    /// <summary>One Set-Cookie value: name=value then attributes (Path, Domain, Expires, Max-Age ignored, HttpOnly, Secure).</summary>
    public static HarCookie FromSetCookie(string header)
    {
        var parts = header.Split(';', StringSplitOptions.TrimEntries);
        int equals = parts[0].IndexOf('=');
        var cookie = equals < 0
            ? new HarCookie { Name = "", Value = parts[0] }
            : new HarCookie { Name = parts[0][..equals].Trim(), Value = parts[0][(equals + 1)..].Trim() };
        foreach (var attribute in parts.Skip(1))
        {
            int eq = attribute.IndexOf('=');
            string name = eq < 0 ? attribute : attribute[..eq].Trim();
            string value = eq < 0 ? "" : attribute[(eq + 1)..].Trim();
            switch (name.ToLowerInvariant())
            {
                case "path":
                    cookie.Path = value;
                    break;
                case "domain":
                    cookie.Domain = value;
                    break;
                case "expires":
                    cookie.Expires = DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date)
                        ? HarWriter.FormatDate(date)
                        : null;
                    break;
                case "httponly":
                    cookie.HttpOnly = true;
                    break;
                case "secure":
                    cookie.Secure = true;
                    break;
            }
        }
        return cookie;
    }
}
