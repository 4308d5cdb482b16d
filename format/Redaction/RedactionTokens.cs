using System.Security.Cryptography;
using System.Text;

namespace Capture.Format.Redaction;

/// <summary>
/// Turns a secret into "redacted:" and 16 hex digits of HMAC-SHA256(key, UTF-8 of the value): equal secrets give
/// equal tokens and different ones different tokens (64 bits), so comparisons still line up, while without the
/// key nobody can test guesses (a short password or a card number) against a token.
/// </summary>
public sealed class RedactionTokens
{
    public const string Prefix = "redacted:";
    public const int MinimumKeyBytes = 16;
    private const int HashBytes = 8;

    /// <summary>Bytes of a token written as a JSON string, quotes included.</summary>
    public const int QuotedLength = 2 + 9 + 2 * HashBytes;

    private static readonly byte[] PrefixUtf8 = Encoding.ASCII.GetBytes(Prefix);
    private readonly byte[] _key;

    public RedactionTokens(byte[] key)
    {
        if (key.Length < MinimumKeyBytes)
            throw new ArgumentException($"A redaction key needs at least {MinimumKeyBytes} bytes.", nameof(key));
        _key = key;
    }

    public static RedactionTokens WithRandomKey() => new(RandomNumberGenerator.GetBytes(32));

    public string For(string value)
    {
        Span<byte> quoted = stackalloc byte[QuotedLength];
        WriteQuoted(Encoding.UTF8.GetBytes(value), quoted);
        return Encoding.ASCII.GetString(quoted[1..^1]);
    }

    /// <summary>Writes the token of <paramref name="utf8Value"/> as a JSON string ("redacted:…") into <paramref name="destination"/>.</summary>
    public void WriteQuoted(ReadOnlySpan<byte> utf8Value, Span<byte> destination)
    {
        Span<byte> hash = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(_key, utf8Value, hash);
        destination[0] = (byte)'"';
        PrefixUtf8.CopyTo(destination[1..]);
        int at = 1 + PrefixUtf8.Length;
        foreach (byte b in hash[..HashBytes])
        {
            destination[at++] = HexDigit(b >> 4);
            destination[at++] = HexDigit(b & 0xF);
        }
        destination[at] = (byte)'"';
    }

    private static byte HexDigit(int nibble) => (byte)(nibble < 10 ? '0' + nibble : 'a' + nibble - 10);
}
