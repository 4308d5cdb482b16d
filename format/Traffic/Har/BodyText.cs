using System.Text;
using Capture.Traffic.Http;
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

    /// <summary>The same test as <see cref="IsText(ReadOnlySpan{byte}, string?)"/>, reading a spilled body a buffer at a time.</summary>
    public static bool IsText(SpilledBody body, string? mimeType)
    {
        if (mimeType is not null && IsBinaryMediaType(mimeType))
            return false;
        using var stream = body.OpenRead();
        var buffer = new byte[64 * 1024];
        int carried = 0; // the start of a UTF-8 sequence cut by the end of the previous buffer
        int read;
        while ((read = stream.Read(buffer, carried, buffer.Length - carried)) > 0)
        {
            var span = buffer.AsSpan(0, carried + read);
            int whole = WholeSequencesLength(span);
            if (span.IndexOf((byte)0) >= 0 || !Utf8.IsValid(span[..whole]))
                return false;
            carried = span.Length - whole;
            span[whole..].CopyTo(buffer);
        }
        return carried == 0;
    }

    /// <summary>The length of <paramref name="bytes"/> without a UTF-8 sequence that its end cuts short.</summary>
    private static int WholeSequencesLength(ReadOnlySpan<byte> bytes)
    {
        int lead = bytes.Length - 1;
        while (lead >= 0 && bytes.Length - lead <= 3 && (bytes[lead] & 0xC0) == 0x80)
            lead--;
        if (lead < 0)
            return bytes.Length;
        byte b = bytes[lead];
        int needed = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1;
        return lead + needed > bytes.Length ? lead : bytes.Length;
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
