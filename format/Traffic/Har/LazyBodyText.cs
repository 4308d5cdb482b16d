using System.Text;

namespace Capture.Traffic.Har;

/// <summary>
/// A body's HAR text kept as the body's bytes until someone asks for the string. The writer copies
/// the bytes straight into the JSON (UTF-8 as is, or base64), so a conversion never builds a string
/// for a body; readers of the model still see an ordinary <c>Text</c> property.
/// </summary>
internal struct LazyBodyText
{
    private string? _text;
    private ReadOnlyMemory<byte> _bytes;
    private bool _base64;
    private bool _fromBytes;

    public string? Text
    {
        get
        {
            if (_fromBytes)
            {
                _text = _base64 ? Convert.ToBase64String(_bytes.Span) : Encoding.UTF8.GetString(_bytes.Span);
                _fromBytes = false;
                _bytes = default;
            }
            return _text;
        }
        set
        {
            _text = value;
            _fromBytes = false;
            _bytes = default;
        }
    }

    /// <summary>The text is <paramref name="bytes"/>: valid UTF-8 shown as is, or any bytes shown as base64.</summary>
    public void SetBytes(ReadOnlyMemory<byte> bytes, bool base64)
    {
        _text = null;
        _bytes = bytes;
        _base64 = base64;
        _fromBytes = true;
    }

    /// <summary>The raw bytes when the text has not been turned into a string (or replaced) yet.</summary>
    public bool TryGetBytes(out ReadOnlyMemory<byte> bytes, out bool base64)
    {
        bytes = _bytes;
        base64 = _base64;
        return _fromBytes;
    }
}
