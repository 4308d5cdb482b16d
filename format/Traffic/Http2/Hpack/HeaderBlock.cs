using Capture.Traffic.Http;

namespace Capture.Traffic.Http2.Hpack;

/// <summary>
/// A header field that refers to a dynamic table entry the decoder never saw (inserted before the
/// recording began, or in a lost header block). Nothing is guessed: only what the block itself carried.
/// </summary>
/// <param name="Position">Where in <see cref="HeaderBlock.Fields"/> the field would have been.</param>
/// <param name="Value">The value when the block carried it as a literal (only the name was a reference).</param>
internal readonly record struct HpackUnknownField(int Position, string? Value);

/// <summary>The header fields of one decoded header block (HEADERS or PUSH_PROMISE plus its CONTINUATION frames).</summary>
internal sealed class HeaderBlock
{
    /// <summary>Decoded fields in wire order, pseudo-header fields (":method", ":status", ...) included.</summary>
    public List<HttpHeader> Fields { get; } = new(12);
    /// <summary>Fields that could not be decoded because their table entry was never seen.</summary>
    public List<HpackUnknownField> Unknown { get; } = [];
    /// <summary>Some fields refer to table entries older than what was seen: the block is partial.</summary>
    public bool HpackIncomplete => Unknown.Count > 0;
    /// <summary>Not valid HPACK (RFC 7541 decoding error); decoding stopped there.</summary>
    public string? Error { get; internal set; }

    /// <summary>The value of the first field with this name (HTTP/2 names are lower case), or null.</summary>
    public string? Get(string name)
    {
        foreach (var field in Fields)
            if (string.Equals(field.Name, name, StringComparison.Ordinal))
                return field.Value;
        return null;
    }
}
