using System.Text.Json;
using Capture.Traffic.Json;

namespace Capture.Replay.Comparison;

/// <summary>
/// Compares two JSON documents structurally: object key order does not matter, array order
/// does, numbers compare by value, and locations selected by an ignore pattern are skipped.
/// </summary>
internal static class JsonBodyComparer
{
    const int MaxDifferences = 20;

    /// <summary>Returns the differences (empty when equal), each as "path: what differs".</summary>
    public static List<string> Compare(JsonElement expected, JsonElement actual, IReadOnlyList<JsonPathPattern> ignore)
    {
        var differences = new List<string>();
        Walk(expected, actual, [], ignore, differences);
        return differences;
    }

    static void Walk(JsonElement expected, JsonElement actual, List<PathSegment> location, IReadOnlyList<JsonPathPattern> ignore, List<string> differences)
    {
        if (differences.Count >= MaxDifferences || IsIgnored(location, ignore))
            return;
        string here = PathSegment.Format(location);
        if (expected.ValueKind != actual.ValueKind && !(IsBool(expected) && IsBool(actual)))
        {
            differences.Add($"{here}: expected {Short(expected)}, got {Short(actual)}");
            return;
        }
        switch (expected.ValueKind)
        {
            case JsonValueKind.Object:
                CompareObjects(expected, actual, location, ignore, differences);
                break;
            case JsonValueKind.Array:
                CompareArrays(expected, actual, location, ignore, differences);
                break;
            case JsonValueKind.Number:
                if (!NumbersEqual(expected, actual))
                    differences.Add($"{here}: expected {expected.GetRawText()}, got {actual.GetRawText()}");
                break;
            case JsonValueKind.String:
                if (expected.GetString() != actual.GetString())
                    differences.Add($"{here}: expected {Short(expected)}, got {Short(actual)}");
                break;
            case JsonValueKind.True or JsonValueKind.False:
                if (expected.GetBoolean() != actual.GetBoolean())
                    differences.Add($"{here}: expected {Short(expected)}, got {Short(actual)}");
                break;
        }
    }

    static void CompareObjects(JsonElement expected, JsonElement actual, List<PathSegment> location, IReadOnlyList<JsonPathPattern> ignore, List<string> differences)
    {
        var actualProps = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var p in actual.EnumerateObject())
            actualProps[p.Name] = p.Value;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var p in expected.EnumerateObject())
        {
            if (!seen.Add(p.Name))
                continue;
            location.Add(PathSegment.Property(p.Name));
            if (actualProps.TryGetValue(p.Name, out var a))
                Walk(p.Value, a, location, ignore, differences);
            else if (!IsIgnored(location, ignore) && differences.Count < MaxDifferences)
                differences.Add($"{PathSegment.Format(location)}: missing (expected {Short(p.Value)})");
            location.RemoveAt(location.Count - 1);
        }
        foreach (var (name, value) in actualProps)
        {
            if (seen.Contains(name))
                continue;
            location.Add(PathSegment.Property(name));
            if (!IsIgnored(location, ignore) && differences.Count < MaxDifferences)
                differences.Add($"{PathSegment.Format(location)}: unexpected {Short(value)}");
            location.RemoveAt(location.Count - 1);
        }
    }

    static void CompareArrays(JsonElement expected, JsonElement actual, List<PathSegment> location, IReadOnlyList<JsonPathPattern> ignore, List<string> differences)
    {
        int expectedLength = expected.GetArrayLength(), actualLength = actual.GetArrayLength();
        if (expectedLength != actualLength)
            differences.Add($"{PathSegment.Format(location)}: expected {expectedLength} elements, got {actualLength}");
        int common = Math.Min(expectedLength, actualLength);
        for (int i = 0; i < common; i++)
        {
            location.Add(PathSegment.Element(i));
            Walk(expected[i], actual[i], location, ignore, differences);
            location.RemoveAt(location.Count - 1);
        }
    }

    static bool IsIgnored(List<PathSegment> location, IReadOnlyList<JsonPathPattern> ignore)
    {
        foreach (var pattern in ignore)
            if (pattern.Matches(location))
                return true;
        return false;
    }

    static bool NumbersEqual(JsonElement a, JsonElement b)
    {
        if (a.GetRawText() == b.GetRawText())
            return true;
        if (a.TryGetDecimal(out decimal da) && b.TryGetDecimal(out decimal db))
            return da == db;
        return a.GetDouble().Equals(b.GetDouble());
    }

    static bool IsBool(JsonElement e) => e.ValueKind is JsonValueKind.True or JsonValueKind.False;

    static string Short(JsonElement e)
    {
        string raw = e.ValueKind switch
        {
            JsonValueKind.Object => "an object",
            JsonValueKind.Array => $"an array of {e.GetArrayLength()}",
            _ => e.GetRawText(),
        };
        return raw.Length > 80 ? raw[..77] + "..." : raw;
    }
}
