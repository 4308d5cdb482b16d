using System.Text;
using System.Text.Unicode;

namespace Capture.Traffic.Har;

/// <summary>How a body goes into HAR: UTF-8 text as is, anything else base64.</summary>
internal static class BodyText
{
    public static (string Text, string? Encoding) From(ReadOnlySpan<byte> body, string? mimeType)
    {
        if (IsText(body, mimeType))
            return (Encoding.UTF8.GetString(body), null);
        return (Convert.ToBase64String(body), "base64");
    }

    /// <summary>Valid UTF-8 without NUL bytes, unless the media type says it is binary anyway.</summary>
    public static bool IsText(ReadOnlySpan<byte> body, string? mimeType)
    {
        if (mimeType is not null && IsBinaryMediaType(mimeType))
            return false;
        return body.IndexOf((byte)0) < 0 && Utf8.IsValid(body);
    }

    /// <summary>Decodes a HAR text field back to bytes (for replay): base64 when <paramref name="encoding"/> says so.</summary>
    public static byte[] ToBytes(string? text, string? encoding)
    {
        if (string.IsNullOrEmpty(text))
            return [];
        return string.Equals(encoding, "base64", StringComparison.OrdinalIgnoreCase) ? Convert.FromBase64String(text) : Encoding.UTF8.GetBytes(text);
    }

    private static bool IsBinaryMediaType(string mimeType)
    {
        var type = mimeType.AsSpan();
        int semicolon = type.IndexOf(';');
        if (semicolon >= 0)
            type = type[..semicolon];
        type = type.Trim();
        return type.StartsWith("image/", StringComparison.OrdinalIgnoreCase) && !type.EndsWith("svg+xml", StringComparison.OrdinalIgnoreCase)
            || type.StartsWith("audio/", StringComparison.OrdinalIgnoreCase)
            || type.StartsWith("video/", StringComparison.OrdinalIgnoreCase)
            || type.StartsWith("font/", StringComparison.OrdinalIgnoreCase)
            || type.Equals("application/octet-stream", StringComparison.OrdinalIgnoreCase)
            || type.Equals("application/zip", StringComparison.OrdinalIgnoreCase)
            || type.Equals("application/gzip", StringComparison.OrdinalIgnoreCase)
            || type.Equals("application/pdf", StringComparison.OrdinalIgnoreCase)
            || type.Equals("application/x-protobuf", StringComparison.OrdinalIgnoreCase)
            || type.Equals("application/grpc", StringComparison.OrdinalIgnoreCase);
    }
}
