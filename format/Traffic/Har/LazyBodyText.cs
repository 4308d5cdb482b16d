using System.Text;
using Capture.Traffic.Http;

namespace Capture.Traffic.Har;

/// <summary>
/// A body's HAR text kept as the body's bytes (in memory, or spilled to a temporary file) until someone
/// asks for the string. The writer copies the bytes straight into the JSON (UTF-8 as is, or base64),
/// so a conversion never builds a string for a body; readers of the model still see an ordinary <c>Text</c> property.
/// </summary>
internal struct LazyBodyText
{
    private string? _text;
    private ReadOnlyMemory<byte> _bytes;
    private SpilledBody? _spilled;
    private bool _base64;
    private bool _fromBytes;

    public string? Text
    {
        get
        {
            if (_fromBytes)
            {
                var bytes = _spilled is { } spilled ? spilled.ToArray() : _bytes.Span;
                _text = _base64 ? Convert.ToBase64String(bytes) : Encoding.UTF8.GetString(bytes);
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

    /// <summary>Like <see cref="SetBytes"/> for a body in a file; <see cref="Release"/> gives the file back.</summary>
    public void SetSpilled(SpilledBody body, bool base64)
    {
        SetBytes(default, base64);
        _spilled = body;
    }

    /// <summary>The raw bytes when the text is in memory and has not been turned into a string (or replaced) yet.</summary>
    public readonly bool TryGetBytes(out ReadOnlyMemory<byte> bytes, out bool base64)
    {
        bytes = _bytes;
        base64 = _base64;
        return _fromBytes && _spilled is null;
    }

    /// <summary>The file when the text is a spilled body that has not been turned into a string (or replaced) yet.</summary>
    public readonly bool TryGetSpilled(out SpilledBody body, out bool base64)
    {
        body = _spilled!;
        base64 = _base64;
        return _fromBytes && _spilled is not null;
    }

    /// <summary>Gives back the spilled body's file, if any (once the entry is written).</summary>
    public void Release()
    {
        _spilled?.Dispose();
        _spilled = null;
    }
}
