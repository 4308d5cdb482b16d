using System.Buffers;
using System.Text;
using System.Text.Json;
using Capture.Traffic.Json;

namespace Capture.Traffic.Redaction;

/// <summary>What redacting one JSON text did.</summary>
/// <param name="Redacted">The redacted text, or null when no value had to change (the caller keeps the original).</param>
/// <param name="Values">How many values became tokens.</param>
/// <param name="UnparsedFrom">The byte offset where the text stopped being valid JSON (cut short or broken), null when all of it parsed.</param>
internal readonly record struct JsonRedaction(byte[]? Redacted, int Values, long? UnparsedFrom);

/// <summary>
/// Replaces the values of a JSON text that sit at a redacted path or under a redacted key (any depth) with
/// their tokens, in one forward pass over the bytes (<see cref="Utf8JsonReader"/>, no document): a text with
/// nothing to redact is not copied, one with secrets is copied once with the tokens in place. A string value's
/// token is that of its unescaped text (so it equals the token of the same secret in a header); a number, a
/// boolean, an object or an array becomes the token of its JSON text; null stays null (it holds no secret).
/// Several top-level values (NDJSON) are each read from <c>$</c>. Where the text stops being JSON, the
/// redaction stops too, except that a secret value cut short there is hidden up to the end of the text.
/// A text that cannot hold any redacted key (<see cref="KeyPrefilter"/>) is not read at all.
/// </summary>
internal sealed class JsonBodyRedactor
{
    private const int MaxDepth = 1024;
    private const int StackNameChars = 256;

    private readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> _names;
    private readonly IReadOnlyList<JsonPathPattern> _paths;
    private readonly RedactionTokens _tokens;
    private readonly byte[][]?[]? _asciiNamesByLength;
    private readonly PropertyNameCache _nameCache = new();
    private readonly KeyPrefilter _prefilter;

    /// <param name="names">Keys whose values are redacted wherever they appear; a case-insensitive set.</param>
    public JsonBodyRedactor(HashSet<string> names, IReadOnlyList<JsonPathPattern> paths, RedactionTokens tokens)
    {
        _names = names.GetAlternateLookup<ReadOnlySpan<char>>();
        _paths = paths;
        _tokens = tokens;
        _asciiNamesByLength = AsciiNamesByLength(names);
        _prefilter = new KeyPrefilter(names, paths);
    }

    /// <summary>One open object or array: where the next value inside it sits.</summary>
    private struct Container(bool isArray)
    {
        public readonly bool IsArray = isArray;
        public int NextIndex;
        public string? Name;        // the last property name (kept as a string only when paths need it)
        public bool NameIsSecret;   // the last property name is a redacted key
    }

    private readonly record struct Replacement(int Start, int End);

    public JsonRedaction Redact(ReadOnlySpan<byte> json)
    {
        if (!_prefilter.MayHoldKey(json))
            return default;
        int bom = json.StartsWith("\uFEFF"u8) ? 3 : 0;
        var reader = new Utf8JsonReader(json[bom..], new JsonReaderOptions { AllowMultipleValues = true, MaxDepth = MaxDepth });
        var open = new List<Container>();
        // The location of the current value from the root; kept only when path patterns need it.
        List<PathSegment>? location = _paths.Count > 0 ? [] : null;
        List<Replacement>? replacements = null;
        long? unparsedFrom = null;
        int parsedTo = 0;
        bool afterName = false;
        try
        {
            while (reader.Read())
            {
                afterName = false;
                switch (reader.TokenType)
                {
                    case JsonTokenType.PropertyName:
                        SetName(ref reader, open);
                        afterName = true;
                        break;
                    case JsonTokenType.EndObject or JsonTokenType.EndArray:
                        open.RemoveAt(open.Count - 1);
                        if (location is { Count: > 0 } && open.Count > 0)
                            location.RemoveAt(location.Count - 1);
                        break;
                    default:
                        if (!EnterValue(open, location))
                        {
                            if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
                                open.Add(new Container(reader.TokenType is JsonTokenType.StartArray));
                            else
                                LeaveValue(open, location);
                            break;
                        }
                        int start = bom + (int)reader.TokenStartIndex;
                        if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray && !TrySkipWhole(ref reader))
                        {
                            // A secret object or array cut short: hide it up to the end of the text.
                            (replacements ??= []).Add(new Replacement(start, json.Length));
                            return Finish(json, replacements, unparsedFrom: start);
                        }
                        if (reader.TokenType is not JsonTokenType.Null)
                            (replacements ??= []).Add(new Replacement(start, bom + (int)reader.BytesConsumed));
                        LeaveValue(open, location);
                        break;
                }
                parsedTo = bom + (int)reader.BytesConsumed;
            }
            if (open.Count > 0)
                throw new JsonException("The JSON text ends inside an object or array.");
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            unparsedFrom = parsedTo;
            bool valueDue = open.Count == 0 || open[^1].IsArray || afterName;
            if (valueDue && EnterValue(open, location))
            {
                // A secret cut short (or broken) where the text stops being JSON: hide everything from where it starts.
                int start = parsedTo;
                while (start < json.Length && json[start] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n' or (byte)':' or (byte)',')
                    start++;
                if (start < json.Length)
                    (replacements ??= []).Add(new Replacement(start, json.Length));
            }
        }
        return Finish(json, replacements, unparsedFrom);
    }

    private JsonRedaction Finish(ReadOnlySpan<byte> json, List<Replacement>? replacements, long? unparsedFrom) =>
        replacements is null
            ? new JsonRedaction(null, 0, unparsedFrom)
            : new JsonRedaction(Rewrite(json, replacements), replacements.Count, unparsedFrom);

    /// <summary>Moves past the object or array the reader is on; false when the text ends or breaks inside it.</summary>
    private static bool TrySkipWhole(ref Utf8JsonReader reader)
    {
        try
        {
            reader.Skip();
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private void SetName(ref Utf8JsonReader reader, List<Container> open)
    {
        var container = open[^1];
        container.NameIsSecret = IsSecretName(ref reader);
        container.Name = _paths.Count > 0 ? _nameCache.Get(ref reader) : null;
        open[^1] = container;
    }

    /// <summary>Is the property name the reader is on a redacted key? Plain ASCII names (nearly all) are compared as bytes.</summary>
    private bool IsSecretName(ref Utf8JsonReader reader)
    {
        var raw = reader.ValueSpan;
        if (_asciiNamesByLength is { } byLength && !reader.ValueIsEscaped && Ascii.IsValid(raw))
        {
            if (raw.Length >= byLength.Length || byLength[raw.Length] is not { } candidates)
                return false;
            foreach (byte[] candidate in candidates)
                if (Ascii.EqualsIgnoreCase(raw, candidate))
                    return true;
            return false;
        }
        if (raw.Length > StackNameChars)
            return _names.Contains(reader.GetString()!);
        Span<char> name = stackalloc char[StackNameChars];
        int length = reader.CopyString(name);
        return _names.Contains(name[..length]);
    }

    /// <summary>The redacted names as ASCII bytes indexed by length, or null when one of them is not ASCII (then every name is compared as text).</summary>
    private static byte[][]?[]? AsciiNamesByLength(HashSet<string> names)
    {
        if (names.Any(n => !Ascii.IsValid(n)))
            return null;
        var byLength = new byte[][]?[names.Count == 0 ? 1 : names.Max(n => n.Length) + 1];
        foreach (string name in names)
            byLength[name.Length] = [.. byLength[name.Length] ?? [], Encoding.ASCII.GetBytes(name)];
        return byLength;
    }

    /// <summary>Steps into the value the reader is on: its location gets its segment; true when that value is to be redacted.</summary>
    private bool EnterValue(List<Container> open, List<PathSegment>? location)
    {
        if (open.Count == 0)
            return location is not null && Matches(location);
        var container = open[^1];
        if (location is not null)
            location.Add(container.IsArray ? PathSegment.Element(container.NextIndex) : PathSegment.Property(container.Name!));
        bool secret = !container.IsArray && container.NameIsSecret || location is not null && Matches(location);
        if (container.IsArray)
            container.NextIndex++;
        open[^1] = container;
        return secret;
    }

    /// <summary>Leaves a value that is done (a scalar, or a container that was skipped whole).</summary>
    private static void LeaveValue(List<Container> open, List<PathSegment>? location)
    {
        if (open.Count > 0 && location is { Count: > 0 })
            location.RemoveAt(location.Count - 1);
    }

    private bool Matches(List<PathSegment> location)
    {
        foreach (var pattern in _paths)
            if (pattern.Matches(location))
                return true;
        return false;
    }

    /// <summary>The text with each replaced range written as the token of what it held.</summary>
    private byte[] Rewrite(ReadOnlySpan<byte> json, List<Replacement> replacements)
    {
        int length = json.Length;
        foreach (var r in replacements)
            length += RedactionTokens.QuotedLength - (r.End - r.Start);
        var output = new byte[length];
        int from = 0, to = 0;
        foreach (var r in replacements)
        {
            json[from..r.Start].CopyTo(output.AsSpan(to));
            to += r.Start - from;
            WriteToken(json[r.Start..r.End], output.AsSpan(to, RedactionTokens.QuotedLength));
            to += RedactionTokens.QuotedLength;
            from = r.End;
        }
        json[from..].CopyTo(output.AsSpan(to));
        return output;
    }

    /// <summary>A whole JSON string is tokenized by its unescaped text; anything else by its JSON text as written.</summary>
    private void WriteToken(ReadOnlySpan<byte> raw, Span<byte> destination)
    {
        if (raw.Length >= 2 && raw[0] == '"' && raw[^1] == '"' && TryUnescapedString(raw, out byte[]? rented, out int length))
        {
            try
            {
                _tokens.WriteQuoted(rented is null ? raw[1..^1] : rented.AsSpan(0, length), destination);
            }
            finally
            {
                if (rented is not null)
                    ArrayPool<byte>.Shared.Return(rented);
            }
            return;
        }
        _tokens.WriteQuoted(raw, destination);
    }

    /// <summary>The UTF-8 of a complete JSON string token: rented when it had escapes, else null (the raw bytes between the quotes).</summary>
    private static bool TryUnescapedString(ReadOnlySpan<byte> token, out byte[]? rented, out int length)
    {
        rented = null;
        length = 0;
        var inner = token[1..^1];
        if (inner.IndexOf((byte)'\\') < 0)
            return inner.IndexOf((byte)'"') < 0;
        var reader = new Utf8JsonReader(token);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.String)
                return false;
            rented = ArrayPool<byte>.Shared.Rent(inner.Length);
            length = reader.CopyString(rented);
            return true;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            if (rented is not null)
                ArrayPool<byte>.Shared.Return(rented);
            rented = null;
            return false;
        }
    }
}
