namespace Capture.Replay.Input;

/// <summary>
/// The one rule for reading a recorded httpVersion: HAR writers spell HTTP/2 several ways (Chrome writes
/// "h2" or "http/2.0", others "HTTP/2" or "HTTP/2.0"); HTTP/1.0 stays 1.0; anything else is replayed as 1.1.
/// </summary>
internal static class RecordedHttpVersion
{
    public static Version Parse(string? text)
    {
        string v = (text ?? "").Trim();
        if (v.Equals("h2", StringComparison.OrdinalIgnoreCase) || v.Equals("h2c", StringComparison.OrdinalIgnoreCase) ||
            v.Equals("HTTP/2", StringComparison.OrdinalIgnoreCase) || v.Equals("HTTP/2.0", StringComparison.OrdinalIgnoreCase))
            return System.Net.HttpVersion.Version20;
        if (v.Equals("HTTP/1.0", StringComparison.OrdinalIgnoreCase))
            return System.Net.HttpVersion.Version10;
        return System.Net.HttpVersion.Version11;
    }
}
