namespace Capture.Traffic.Http;

/// <summary>
/// Parses a whole message head (start line and header fields, RFC 9112 sections 3, 4 and 5) from a span.
/// Stateless: it either finds the blank line that ends the head or reports that more bytes are needed.
/// Bare LF line ends are accepted, as most servers do.
/// </summary>
internal static class HttpHeadParser
{
    public const int DefaultMaxHeadBytes = 64 * 1024;

    /// <summary>Parses a head that starts at <paramref name="input"/>[0]. On success <paramref name="headSize"/> counts through the blank line.</summary>
    public static HeadParseStatus TryParse(ReadOnlySpan<byte> input, HttpMessage message, out int headSize, out string? error, int maxHeadBytes = DefaultMaxHeadBytes)
    {
        headSize = 0;
        error = null;
        int end = FindHeadEnd(input, maxHeadBytes);
        if (end < 0)
        {
            if (input.Length >= maxHeadBytes)
            {
                error = $"head longer than {maxHeadBytes} bytes";
                return HeadParseStatus.Malformed;
            }
            return HeadParseStatus.Incomplete;
        }

        ReadOnlySpan<byte> head = input[..end];
        int lineEnd = head.IndexOf((byte)'\n');
        ReadOnlySpan<byte> startLine = TrimCr(head[..lineEnd]);
        error = message.IsRequest ? ParseRequestLine(startLine, message) : ParseStatusLine(startLine, message);
        if (error is null)
            error = ParseFields(head[(lineEnd + 1)..], message.Headers);
        if (error is not null)
            return HeadParseStatus.Malformed;
        headSize = end;
        message.HeadSize = end;
        return HeadParseStatus.Complete;
    }

    /// <summary>Index just past the blank line that ends the head, or -1.</summary>
    internal static int FindHeadEnd(ReadOnlySpan<byte> input, int maxHeadBytes)
    {
        int limit = Math.Min(input.Length, maxHeadBytes);
        int lineStart = 0;
        while (lineStart < limit)
        {
            int nl = input[lineStart..limit].IndexOf((byte)'\n');
            if (nl < 0)
                return -1;
            int lineLength = nl;
            if (lineStart > 0 && (lineLength == 0 || (lineLength == 1 && input[lineStart] == (byte)'\r')))
                return lineStart + nl + 1;
            lineStart += nl + 1;
        }
        return -1;
    }

    /// <summary>Parses header fields; also used for chunked trailers. <paramref name="block"/> ends with the blank line.</summary>
    internal static string? ParseFields(ReadOnlySpan<byte> block, List<HttpHeader> fields)
    {
        while (true)
        {
            int nl = block.IndexOf((byte)'\n');
            if (nl < 0)
                return null;
            ReadOnlySpan<byte> line = TrimCr(block[..nl]);
            block = block[(nl + 1)..];
            if (line.IsEmpty)
                return null;

            if (line[0] is (byte)' ' or (byte)'\t')
            {
                // obs-fold (RFC 9112 section 5.2): the line continues the previous field's value.
                if (fields.Count == 0)
                    return "continuation line before the first header field";
                var previous = fields[^1];
                string more = HeaderText.Value(TrimOws(line));
                fields[^1] = previous with { Value = previous.Value.Length == 0 ? more : previous.Value + " " + more };
                continue;
            }

            int colon = line.IndexOf((byte)':');
            if (colon <= 0)
                return "header line without a field name and colon";
            ReadOnlySpan<byte> name = line[..colon];
            if (!IsToken(name))
                return "invalid character in a header field name";
            fields.Add(new HttpHeader(HeaderText.Name(name), HeaderText.Value(TrimOws(line[(colon + 1)..]))));
        }
    }

    private static string? ParseRequestLine(ReadOnlySpan<byte> line, HttpMessage message)
    {
        int firstSpace = line.IndexOf((byte)' ');
        int lastSpace = line.LastIndexOf((byte)' ');
        if (firstSpace <= 0 || lastSpace == firstSpace)
            return "request line is not 'method target version'";
        ReadOnlySpan<byte> method = line[..firstSpace];
        ReadOnlySpan<byte> target = line[(firstSpace + 1)..lastSpace];
        ReadOnlySpan<byte> version = line[(lastSpace + 1)..];
        if (!IsToken(method))
            return "invalid request method";
        if (target.IsEmpty || target.IndexOfAny((byte)'\t', (byte)'\r') >= 0)
            return "invalid request target";
        if (target.IndexOf((byte)' ') >= 0)
        {
            // Some clients send raw spaces; servers answer 400. Keep the exchange, flagged.
            message.Malformed = true;
            message.MalformedReason = "request target contains spaces";
        }
        if (!IsVersion(version))
            return "unsupported HTTP version in request line";
        message.Method = HttpMethodNames.Get(method);
        message.Target = HeaderText.Value(target);
        message.Version = HttpMethodNames.Version(version);
        return null;
    }

    private static string? ParseStatusLine(ReadOnlySpan<byte> line, HttpMessage message)
    {
        // HTTP-version SP 3DIGIT SP reason-phrase; some servers omit the space before an empty reason.
        if (line.Length < 12 || !IsVersion(line[..8]) || line[8] != (byte)' ')
            return "status line is not 'HTTP/x.y code reason'";
        ReadOnlySpan<byte> code = line.Slice(9, 3);
        if (!char.IsAsciiDigit((char)code[0]) || !char.IsAsciiDigit((char)code[1]) || !char.IsAsciiDigit((char)code[2]))
            return "status code is not three digits";
        if (line.Length > 12 && line[12] != (byte)' ')
            return "status code is not three digits";
        message.Version = HttpMethodNames.Version(line[..8]);
        message.StatusCode = (code[0] - '0') * 100 + (code[1] - '0') * 10 + (code[2] - '0');
        message.Reason = line.Length > 13 ? HeaderText.Value(line[13..]) : "";
        return null;
    }

    internal static bool IsVersion(ReadOnlySpan<byte> v) =>
        v.Length == 8 && v.StartsWith("HTTP/1."u8) && char.IsAsciiDigit((char)v[7]);

    /// <summary>RFC 9110 token characters.</summary>
    internal static bool IsToken(ReadOnlySpan<byte> s)
    {
        if (s.IsEmpty)
            return false;
        foreach (byte b in s)
        {
            if (b is >= (byte)'a' and <= (byte)'z' or >= (byte)'A' and <= (byte)'Z' or >= (byte)'0' and <= (byte)'9')
                continue;
            if ("!#$%&'*+-.^_`|~"u8.IndexOf(b) < 0)
                return false;
        }
        return true;
    }

    private static ReadOnlySpan<byte> TrimCr(ReadOnlySpan<byte> line) =>
        line.Length > 0 && line[^1] == (byte)'\r' ? line[..^1] : line;

    private static ReadOnlySpan<byte> TrimOws(ReadOnlySpan<byte> s) => s.Trim(" \t"u8);
}
