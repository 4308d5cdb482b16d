using System.Text.Json;

namespace Capture.Traffic.Redaction;

/// <summary>
/// Property names as strings for JSON path matching, kept by their UTF-8 bytes: API bodies repeat the same
/// few names, so after the first body locating a value costs no allocation. Bounded: it starts over when full.
/// </summary>
internal sealed class PropertyNameCache
{
    private const int Capacity = 4096;
    private const int MaxNameBytes = 128;

    private readonly Dictionary<int, (byte[] Utf8, string Name)> _names = [];

    public string Get(ref Utf8JsonReader reader)
    {
        var raw = reader.ValueSpan;
        if (reader.ValueIsEscaped || raw.Length > MaxNameBytes)
            return reader.GetString()!;
        var hash = new HashCode();
        hash.AddBytes(raw);
        int key = hash.ToHashCode();
        if (_names.TryGetValue(key, out var known) && raw.SequenceEqual(known.Utf8))
            return known.Name;
        string name = reader.GetString()!;
        if (_names.Count >= Capacity)
            _names.Clear();
        _names[key] = (raw.ToArray(), name);
        return name;
    }
}
