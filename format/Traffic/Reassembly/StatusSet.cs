namespace Capture.Traffic.Reassembly;

/// <summary>A set of status codes given as classes ("5xx") and exact codes ("404").</summary>
public sealed record StatusSet(IReadOnlyList<int> Classes, IReadOnlyList<int> Codes)
{
    public bool Contains(int status) => Codes.Contains(status) || Classes.Contains(status / 100);

    public static StatusSet Parse(string text)
    {
        var classes = new List<int>();
        var codes = new List<int>();
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (part.Length == 3 && part[0] is >= '1' and <= '5' && part[1..].Equals("xx", StringComparison.OrdinalIgnoreCase))
                classes.Add(part[0] - '0');
            else if (part.Length == 3 && int.TryParse(part, out int code) && code is >= 100 and <= 599)
                codes.Add(code);
            else
                throw new FormatException($"'{part}' is not a status code or class; use for example 404, 5xx or 2xx,304.");
        }
        if (classes.Count == 0 && codes.Count == 0)
            throw new FormatException("The status filter is empty; use for example 404, 5xx or 2xx,304.");
        return new StatusSet(classes, codes);
    }
}
