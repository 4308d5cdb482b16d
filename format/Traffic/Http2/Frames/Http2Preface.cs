namespace Capture.Traffic.Http2.Frames;

/// <summary>The client connection preface (RFC 9113 section 3.4), which starts every HTTP/2 connection.</summary>
internal static class Http2Preface
{
    public static ReadOnlySpan<byte> Bytes => "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8;

    public const int Length = 24;

    /// <summary>True when <paramref name="data"/> starts with the preface; <paramref name="maybe"/> when it is a shorter prefix of it.</summary>
    public static bool StartsWith(ReadOnlySpan<byte> data, out bool maybe)
    {
        int n = Math.Min(data.Length, Length);
        bool prefix = data[..n].SequenceEqual(Bytes[..n]);
        maybe = prefix && n < Length;
        return prefix && n == Length;
    }
}
