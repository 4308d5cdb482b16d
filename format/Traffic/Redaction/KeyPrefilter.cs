using System.Buffers;
using System.Text;
using System.Text.Unicode;
using Capture.Traffic.Json;

namespace Capture.Traffic.Redaction;

/// <summary>
/// Tells, without parsing, that a JSON text cannot hold a redacted key: when every rule ends in a key name
/// (redacted names, and paths such as <c>$..token</c>), a text none of those names appear in (ignoring case)
/// has nothing to redact and need not be read token by token. Most bodies of most traffic are such texts.
/// A text with a \u escape is always read (an escaped letter could spell a name); so is every text when a
/// path ends in [*], [0] or *.
/// </summary>
internal sealed class KeyPrefilter
{
    private const int ChunkChars = 4096;
    private const int MaxBytesPerChar = 4;

    private readonly SearchValues<string>? _names;
    private readonly int _overlapBytes;

    public KeyPrefilter(IEnumerable<string> names, IReadOnlyList<JsonPathPattern> paths)
    {
        var terms = names.ToList();
        foreach (var path in paths)
        {
            if (path.LastName is not { } last)
                return; // the path can end anywhere: every text must be read
            terms.Add(last);
        }
        if (terms.Count == 0 || terms.Any(t => t.Length == 0) || terms.Max(t => t.Length) * MaxBytesPerChar > ChunkChars / 2)
            return;
        _names = SearchValues.Create(terms.ToArray(), StringComparison.OrdinalIgnoreCase);
        _overlapBytes = terms.Max(t => t.Length) * MaxBytesPerChar;
    }

    /// <summary>False only when the text certainly holds none of the keys.</summary>
    public bool MayHoldKey(ReadOnlySpan<byte> json)
    {
        if (_names is null || json.IndexOf("\\u"u8) >= 0)
            return true;
        // UTF-16 chunks on the stack, overlapping so that a name across a boundary is still seen.
        Span<char> chunk = stackalloc char[ChunkChars];
        int start = 0;
        while (start < json.Length)
        {
            int take = Math.Min(json.Length - start, ChunkChars);
            var status = Utf8.ToUtf16(json.Slice(start, take), chunk, out int read, out int written, replaceInvalidSequences: true, isFinalBlock: false);
            if (read == 0 && status != OperationStatus.Done)
                return true; // cannot decode: let the parser decide
            if (chunk[..written].ContainsAny(_names))
                return true;
            if (start + read >= json.Length)
                return false;
            // A name not wholly in this chunk starts less than its byte length before the chunk's end.
            start += Math.Max(1, read - _overlapBytes);
        }
        return false;
    }
}
