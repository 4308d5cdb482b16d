using System.Globalization;

namespace Capture.Traffic.Json;

/// <summary>
/// A JSONPath-like selector of locations in a JSON document, shared by replay's <c>--ignore-json</c>
/// and the HAR redaction's <c>--redact-json</c> so that both read paths the same way:
/// <c>$.a.b</c>, <c>$.items[*].id</c>, <c>$.items[0]</c>, <c>$['odd key']</c>, <c>$..timestamp</c>, <c>$.*</c>.
/// It only matches locations; it never evaluates expressions.
/// </summary>
public sealed class JsonPathPattern
{
    /// <summary>One step: a child (by name or index, or any with null) or a descendant at any depth.</summary>
    readonly record struct Step(bool Descendant, string? Name, int? Index, bool AnyChild);

    readonly Step[] _steps;
    public string Text { get; }

    readonly bool _hasDescendant;

    JsonPathPattern(string text, Step[] steps) { Text = text; _steps = steps; _hasDescendant = steps.Any(s => s.Descendant); }

    /// <summary>The key every selected location ends with, or null when it may end in any key or index ($.*, [*], [0], $).</summary>
    public string? LastName => _steps.Length > 0 && _steps[^1] is { AnyChild: false, Name: { } name } ? name : null;

    public static JsonPathPattern Parse(string text)
    {
        string s = text.Trim();
        if (!s.StartsWith('$'))
            throw new FormatException($"JSON path '{text}' must start with '$'.");
        var steps = new List<Step>();
        int i = 1;
        bool bracketIsDescendant = false; // set by "..[" so the bracket step searches all depths
        while (i < s.Length)
        {
            bool descendant = false;
            if (s[i] == '.')
            {
                i++;
                if (i < s.Length && s[i] == '.') { descendant = true; i++; }
                if (i >= s.Length)
                    throw new FormatException($"JSON path '{text}' ends with a dot.");
                if (s[i] == '[')
                {
                    if (!descendant)
                        throw new FormatException($"JSON path '{text}' has '.[' which is not valid.");
                    bracketIsDescendant = true;
                    continue;
                }
                int end = s.IndexOfAny(['.', '['], i);
                string name = end < 0 ? s[i..] : s[i..end];
                i = end < 0 ? s.Length : end;
                steps.Add(name == "*" ? new Step(descendant, null, null, true) : new Step(descendant, name, null, false));
            }
            else if (s[i] == '[')
            {
                int close = s.IndexOf(']', i);
                if (close < 0)
                    throw new FormatException($"JSON path '{text}' has an unclosed '['.");
                string inner = s[(i + 1)..close].Trim();
                i = close + 1;
                descendant = bracketIsDescendant;
                bracketIsDescendant = false;
                if (inner == "*")
                    steps.Add(new Step(descendant, null, null, true));
                else if ((inner.StartsWith('\'') && inner.EndsWith('\'')) || (inner.StartsWith('"') && inner.EndsWith('"')))
                    steps.Add(new Step(descendant, inner[1..^1], null, false));
                else if (int.TryParse(inner, NumberStyles.None, CultureInfo.InvariantCulture, out int index))
                    steps.Add(new Step(descendant, null, index, false));
                else
                    throw new FormatException($"JSON path '{text}' has an unsupported selector [{inner}].");
            }
            else
                throw new FormatException($"JSON path '{text}' has an unexpected '{s[i]}' at position {i + 1}.");
        }
        return new JsonPathPattern(text, steps.ToArray());
    }

    /// <summary>Does the pattern select the node at <paramref name="location"/> (property names and array indexes from the root)?</summary>
    internal bool Matches(IReadOnlyList<PathSegment> location)
    {
        // Cheap refusals first (redaction asks this for every value of every body): each step takes one
        // segment, so the last step lands on the last segment and, without "..", the depths are equal.
        if (_steps.Length == 0)
            return location.Count == 0;
        if (location.Count < _steps.Length || !StepMatches(_steps[^1], location[^1]))
            return false;
        if (!_hasDescendant && location.Count != _steps.Length)
            return false;
        return Match(0, location, 0);
    }

    bool Match(int step, IReadOnlyList<PathSegment> location, int at)
    {
        if (step == _steps.Length)
            return at == location.Count;
        var s = _steps[step];
        if (s.Descendant)
        {
            // ".." may skip any number of levels before the named step matches.
            for (int skip = at; skip < location.Count; skip++)
                if (StepMatches(s, location[skip]) && Match(step + 1, location, skip + 1))
                    return true;
            return false;
        }
        return at < location.Count && StepMatches(s, location[at]) && Match(step + 1, location, at + 1);
    }

    static bool StepMatches(Step s, PathSegment segment) =>
        s.AnyChild ||
        (s.Name is not null && segment.Name == s.Name) ||
        (s.Index is int i && segment.Index == i);
}
