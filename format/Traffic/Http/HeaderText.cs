using System.Text;
using System.Text.Unicode;

namespace Capture.Traffic.Http;

/// <summary>Turns header bytes into strings without surprises: UTF-8 when valid, else Latin-1 (one char per byte, nothing lost).</summary>
internal static class HeaderText
{
    // Names seen on nearly every message; reusing their strings saves an allocation per header.
    private static readonly string[] CommonNames =
    [
        "Host", "User-Agent", "Accept", "Accept-Encoding", "Accept-Language", "Connection", "Content-Type",
        "Content-Length", "Content-Encoding", "Transfer-Encoding", "Date", "Server", "Cache-Control",
        "Cookie", "Set-Cookie", "Authorization", "Vary", "ETag", "Last-Modified", "Location", "Keep-Alive",
        "Expect", "Upgrade", "Referer", "Origin", "X-Request-Id", "X-Forwarded-For", "traceparent",
        "content-type", "content-length", "content-encoding", "transfer-encoding", "date", "server",
        "connection", "host", "user-agent", "accept", "accept-encoding", "cache-control", "vary",
    ];

    private static readonly byte[][] CommonNameBytes = CommonNames.Select(Encoding.ASCII.GetBytes).ToArray();

    public static string Name(ReadOnlySpan<byte> bytes)
    {
        for (int i = 0; i < CommonNameBytes.Length; i++)
            if (bytes.SequenceEqual(CommonNameBytes[i]))
                return CommonNames[i];
        return Encoding.ASCII.GetString(bytes);
    }

    public static string Value(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty)
            return "";
        return Utf8.IsValid(bytes) ? Encoding.UTF8.GetString(bytes) : Encoding.Latin1.GetString(bytes);
    }
}
