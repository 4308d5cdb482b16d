using System.Security.Cryptography;
using System.Text;

namespace Capture.Traffic.Redaction;

/// <summary>
/// Turns a secret into "redacted:" and 16 hex digits of HMAC-SHA256(key, UTF-8 of the value): equal secrets give
/// equal tokens and different ones different tokens (64 bits), so comparisons still line up, while without the
/// key nobody can test guesses (a short password or a card number) against a token. Not thread-safe: the keyed
/// hash state is reused from value to value (one instance per conversion).
/// </summary>
public sealed class RedactionTokens
{
    public const string Prefix = "redacted:";
    public const int MinimumKeyBytes = 16;
    private const int HashBytes = 8;

    /// <summary>Bytes of a token written as a JSON string, quotes included.</summary>
    public const int QuotedLength = 2 + 9 + 2 * HashBytes;

    private static readonly byte[] PrefixUtf8 = Encoding.ASCII.GetBytes(Prefix);
    private const int CacheCapacity = 16384;
    private const int MaxCachedValueBytes = 256;

    private readonly IncrementalHash _hmac;
    // Secrets repeat (a client's token in every request): their digits are looked up, not hashed again. Bounded.
    private readonly Dictionary<int, (byte[] Value, byte[] Digits)> _recent = [];

    public RedactionTokens(byte[] key)
    {
        if (key.Length < MinimumKeyBytes)
            throw new ArgumentException($"A redaction key needs at least {MinimumKeyBytes} bytes.", nameof(key));
        _hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, key);
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
        destination[0] = (byte)'"';
        PrefixUtf8.CopyTo(destination[1..]);
        Digits(utf8Value, destination.Slice(1 + PrefixUtf8.Length, 2 * HashBytes));
        destination[QuotedLength - 1] = (byte)'"';
    }

    private void Digits(ReadOnlySpan<byte> value, Span<byte> digits)
    {
        var hashCode = new HashCode();
        hashCode.AddBytes(value);
        int key = hashCode.ToHashCode();
        if (_recent.TryGetValue(key, out var known) && value.SequenceEqual(known.Value))
        {
            known.Digits.CopyTo(digits);
            return;
        }
        Span<byte> hash = stackalloc byte[HMACSHA256.HashSizeInBytes];
        _hmac.AppendData(value);
        _hmac.GetHashAndReset(hash);
        for (int i = 0; i < HashBytes; i++)
        {
            digits[2 * i] = HexDigit(hash[i] >> 4);
            digits[2 * i + 1] = HexDigit(hash[i] & 0xF);
        }
        if (value.Length > MaxCachedValueBytes)
            return;
        if (_recent.Count >= CacheCapacity)
            _recent.Clear();
        _recent[key] = (value.ToArray(), digits.ToArray());
    }

    private static byte HexDigit(int nibble) => (byte)(nibble < 10 ? '0' + nibble : 'a' + nibble - 10);
}
