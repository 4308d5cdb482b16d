using System.Buffers;

namespace Capture.Traffic.Har;

/// <summary>
/// Escapes ASCII text as a JSON string exactly as Utf8JsonWriter does with the relaxed encoder the HAR
/// writer uses (\" \\ \b \t \n \f \r, \u00XX for the other control characters and DEL), but a run of
/// plain bytes at a time: JSON bodies are full of quotes, and the general encoder is slow on them.
/// </summary>
internal static class AsciiJsonString
{
    private static readonly SearchValues<byte> NeedEscaping = SearchValues.Create(
        [.. Enumerable.Range(0, 0x20).Select(b => (byte)b), (byte)'"', (byte)'\\', 0x7F]);

    // Beyond this the escaped copy is not worth its memory (and MaxLength must not overflow).
    private const int MaxTextBytes = 4 << 20;

    /// <summary>True when <paramref name="text"/> is all ASCII (and not huge), so that <see cref="Write"/> applies.</summary>
    public static bool Applies(ReadOnlySpan<byte> text) => text.Length <= MaxTextBytes && text.IndexOfAnyInRange((byte)0x80, (byte)0xFF) < 0;

    /// <summary>The longest a quoted, escaped <paramref name="length"/> bytes can be.</summary>
    public static int MaxLength(int length) => length * 6 + 2;

    /// <summary>Writes "<paramref name="text"/>" escaped into <paramref name="into"/> (at least <see cref="MaxLength"/> long); returns the bytes written.</summary>
    public static int Write(ReadOnlySpan<byte> text, Span<byte> into)
    {
        int at = 0;
        into[at++] = (byte)'"';
        while (!text.IsEmpty)
        {
            int run = text.IndexOfAny(NeedEscaping);
            if (run < 0)
                run = text.Length;
            text[..run].CopyTo(into[at..]);
            at += run;
            if (run == text.Length)
                break;
            at += Escape(text[run], into[at..]);
            text = text[(run + 1)..];
        }
        into[at++] = (byte)'"';
        return at;
    }

    private static int Escape(byte b, Span<byte> into)
    {
        into[0] = (byte)'\\';
        byte shortForm = b switch
        {
            (byte)'"' => (byte)'"',
            (byte)'\\' => (byte)'\\',
            0x08 => (byte)'b',
            0x09 => (byte)'t',
            0x0A => (byte)'n',
            0x0C => (byte)'f',
            0x0D => (byte)'r',
            _ => 0,
        };
        if (shortForm != 0)
        {
            into[1] = shortForm;
            return 2;
        }
        "u00"u8.CopyTo(into[1..]);
        into[4] = HexDigit(b >> 4);
        into[5] = HexDigit(b & 0xF);
        return 6;
    }

    private static byte HexDigit(int value) => (byte)(value < 10 ? '0' + value : 'A' + value - 10);
}
