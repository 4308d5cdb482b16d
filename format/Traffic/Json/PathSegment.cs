namespace Capture.Traffic.Json;

/// <summary>One step of a location in a JSON document: a property name or an array index.</summary>
internal readonly record struct PathSegment(string? Name, int? Index)
{
    public static PathSegment Property(string name) => new(name, null);
    public static PathSegment Element(int index) => new(null, index);

    public static string Format(IEnumerable<PathSegment> location) =>
        "$" + string.Concat(location.Select(s => s.Name is null ? $"[{s.Index}]" : IsPlain(s.Name) ? "." + s.Name : $"['{s.Name}']"));

    static bool IsPlain(string name) => name.Length > 0 && name.All(c => char.IsLetterOrDigit(c) || c == '_' || c == '-');
}
