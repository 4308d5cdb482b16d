using Capture.Traffic.Http;

namespace Capture.Traffic.Har;

/// <summary>
/// A message's body with its Content-Encoding undone, as a HAR entry shows it. A spilled body is
/// decoded from file to file, so neither the encoded nor the decoded body is ever whole in memory.
/// </summary>
internal sealed class DecodedBody
{
    private readonly ReadOnlyMemory<byte> _memory;
    private readonly SpilledBody? _spilled;

    private DecodedBody(ReadOnlyMemory<byte> memory, SpilledBody? spilled, bool decoded)
    {
        _memory = memory;
        _spilled = spilled;
        Decoded = decoded;
    }

    /// <summary>False when the coding is unknown or the data did not decode: the body is then the encoded bytes.</summary>
    public bool Decoded { get; }
    public long Length => _spilled?.Length ?? _memory.Length;
    public bool IsEmpty => Length == 0;

    public static DecodedBody Of(HttpMessage message)
    {
        string? contentEncoding = message.GetHeader("Content-Encoding");
        if (message.SpilledBody is { } spilled)
        {
            bool ok = ContentDecoder.TryDecode(spilled, contentEncoding, out var decoded);
            return new DecodedBody(default, decoded, ok);
        }
        bool decodedInMemory = ContentDecoder.TryDecode(message.Body, contentEncoding, out var body);
        return new DecodedBody(body, null, decodedInMemory);
    }

    public bool IsText(string? mimeType) => _spilled is { } spilled ? BodyText.IsText(spilled, mimeType) : BodyText.IsText(_memory.Span, mimeType);

    /// <summary>Makes this body the HAR text (a spilled one is then released with the entry).</summary>
    public void SetAsText(ref LazyBodyText text, bool base64)
    {
        if (_spilled is { } spilled)
            text.SetSpilled(spilled, base64);
        else
            text.SetBytes(_memory, base64);
    }
}
