namespace Capture.Traffic.Http2.Hpack;

/// <summary>The 61 entries of the HPACK static table (RFC 7541 Appendix A), index 1 first.</summary>
internal static class HpackStaticTable
{
    public const int Count = 61;

    private static readonly (string Name, string Value)[] Entries =
    [
        (":authority", ""), (":method", "GET"), (":method", "POST"), (":path", "/"), (":path", "/index.html"),
        (":scheme", "http"), (":scheme", "https"), (":status", "200"), (":status", "204"), (":status", "206"),
        (":status", "304"), (":status", "400"), (":status", "404"), (":status", "500"), ("accept-charset", ""),
        ("accept-encoding", "gzip, deflate"), ("accept-language", ""), ("accept-ranges", ""), ("accept", ""),
        ("access-control-allow-origin", ""), ("age", ""), ("allow", ""), ("authorization", ""), ("cache-control", ""),
        ("content-disposition", ""), ("content-encoding", ""), ("content-language", ""), ("content-length", ""),
        ("content-location", ""), ("content-range", ""), ("content-type", ""), ("cookie", ""), ("date", ""),
        ("etag", ""), ("expect", ""), ("expires", ""), ("from", ""), ("host", ""), ("if-match", ""),
        ("if-modified-since", ""), ("if-none-match", ""), ("if-range", ""), ("if-unmodified-since", ""),
        ("last-modified", ""), ("link", ""), ("location", ""), ("max-forwards", ""), ("proxy-authenticate", ""),
        ("proxy-authorization", ""), ("range", ""), ("referer", ""), ("refresh", ""), ("retry-after", ""),
        ("server", ""), ("set-cookie", ""), ("strict-transport-security", ""), ("transfer-encoding", ""),
        ("user-agent", ""), ("vary", ""), ("via", ""), ("www-authenticate", ""),
    ];

    /// <param name="index">1..61</param>
    public static (string Name, string Value) Get(int index) => Entries[index - 1];

    /// <summary>The lowest index with this name and value, with this name only, or 0.</summary>
    public static int Find(string name, string value, out bool valueMatches)
    {
        int nameOnly = 0;
        for (int i = 0; i < Entries.Length; i++)
        {
            if (!string.Equals(Entries[i].Name, name, StringComparison.Ordinal))
                continue;
            if (string.Equals(Entries[i].Value, value, StringComparison.Ordinal))
            {
                valueMatches = true;
                return i + 1;
            }
            if (nameOnly == 0)
                nameOnly = i + 1;
        }
        valueMatches = false;
        return nameOnly;
    }
}
