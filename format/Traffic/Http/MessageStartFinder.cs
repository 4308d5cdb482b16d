namespace Capture.Traffic.Http;

/// <summary>Finds where the next message starts after a gap or malformed bytes: the next line that looks like a request line or status line.</summary>
internal static class MessageStartFinder
{
    private const int MaxMethodLength = 24;

    /// <summary>
    /// Index of the first line in <paramref name="input"/> that looks like a start line, or -1.
    /// When -1, <paramref name="keepFrom"/> is where a trailing partial line begins that might still become one (else input.Length).
    /// </summary>
    public static int Find(ReadOnlySpan<byte> input, bool requests, bool atLineStart, int maxLineBytes, out int keepFrom)
    {
        int lineStart = atLineStart ? 0 : NextLineStart(input, 0);
        while (lineStart >= 0 && lineStart < input.Length)
        {
            ReadOnlySpan<byte> rest = input[lineStart..];
            int nl = rest.IndexOf((byte)'\n');
            if (nl < 0)
            {
                keepFrom = rest.Length <= maxLineBytes && CouldBecomeStartLine(rest, requests) ? lineStart : input.Length;
                return -1;
            }
            if (LooksLikeStartLine(rest[..nl], requests))
            {
                keepFrom = lineStart;
                return lineStart;
            }
            lineStart += nl + 1;
        }
        keepFrom = input.Length;
        return -1;
    }

    public static bool LooksLikeStartLine(ReadOnlySpan<byte> line, bool requests)
    {
        if (line.Length > 0 && line[^1] == (byte)'\r')
            line = line[..^1];
        if (!requests)
            return line.Length >= 12 && HttpHeadParser.IsVersion(line[..8]) && line[8] == (byte)' '
                && char.IsAsciiDigit((char)line[9]) && char.IsAsciiDigit((char)line[10]) && char.IsAsciiDigit((char)line[11]);
        int firstSpace = line.IndexOf((byte)' ');
        int lastSpace = line.LastIndexOf((byte)' ');
        return firstSpace is > 0 and <= MaxMethodLength && lastSpace > firstSpace + 1
            && HttpHeadParser.IsToken(line[..firstSpace]) && HttpHeadParser.IsVersion(line[(lastSpace + 1)..]);
    }

    private static bool CouldBecomeStartLine(ReadOnlySpan<byte> partial, bool requests)
    {
        if (!requests)
        {
            int n = Math.Min(partial.Length, 7);
            return partial[..n].SequenceEqual("HTTP/1."u8[..n]);
        }
        int space = partial.IndexOf((byte)' ');
        ReadOnlySpan<byte> method = space < 0 ? partial : partial[..space];
        return method.Length <= MaxMethodLength && (method.IsEmpty || HttpHeadParser.IsToken(method));
    }

    private static int NextLineStart(ReadOnlySpan<byte> input, int from)
    {
        int nl = input[from..].IndexOf((byte)'\n');
        return nl < 0 ? -1 : from + nl + 1;
    }
}
