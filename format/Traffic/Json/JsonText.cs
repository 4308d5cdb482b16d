namespace Capture.Traffic.Json;

/// <summary>Which bodies are read as JSON.</summary>
internal static class JsonText
{
    /// <summary>
    /// JSON by its media type (application/json, text/json, application/problem+json, application/x-ndjson...) or,
    /// whatever the type says, by its first non-blank byte being '{' or '[' (servers mislabel JSON often enough).
    /// </summary>
    public static bool IsJson(string? mimeType, ReadOnlySpan<byte> body)
    {
        if (body.StartsWith("\uFEFF"u8))
            body = body[3..];
        int first = body.IndexOfAnyExcept(" \t\r\n"u8);
        if (first < 0)
            return false;
        if (body[first] is (byte)'{' or (byte)'[')
            return true;
        if (mimeType is null)
            return false;
        var type = mimeType.AsSpan();
        int semicolon = type.IndexOf(';');
        return (semicolon < 0 ? type : type[..semicolon]).Contains("json", StringComparison.OrdinalIgnoreCase);
    }
}
