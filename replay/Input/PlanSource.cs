namespace Capture.Replay.Input;

/// <summary>Tells a HAR file from a capture file by its first bytes (HAR is JSON, a capture starts with its magic).</summary>
internal static class PlanSource
{
    public static bool IsHar(string path)
    {
        using var stream = File.OpenRead(path);
        Span<byte> head = stackalloc byte[64];
        int read = stream.Read(head);
        foreach (byte b in head[..read])
        {
            if (b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n' or 0xEF or 0xBB or 0xBF) // whitespace, UTF-8 BOM
                continue;
            return b == (byte)'{';
        }
        return read == 0 || path.EndsWith(".har", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>The file's SHA-256 in lower-case hex: the identity reports of shards are checked against.</summary>
    public static string Sha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(stream));
    }
}
