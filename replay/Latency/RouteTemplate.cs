using System.Text.RegularExpressions;

namespace Capture.Replay.Latency;

/// <summary>
/// Groups requests into routes: method plus path with the query dropped and id-like
/// segments collapsed, so /users/42 and /users/43 land in one row.
/// </summary>
internal static partial class RouteTemplate
{
    /// <summary>A gRPC call is named by its method ("gRPC package.Service/Method"), anything else by method and path template.</summary>
    public static string For(Input.ReplayRequest request) =>
        request.IsGrpc ? ForGrpc(request.PathAndQuery) : For(request.Method, request.PathAndQuery);

    /// <summary>"/package.Service/Method" as "gRPC package.Service/Method".</summary>
    public static string ForGrpc(string pathAndQuery)
    {
        int q = pathAndQuery.IndexOf('?');
        return "gRPC " + (q < 0 ? pathAndQuery : pathAndQuery[..q]).TrimStart('/');
    }

    public static string For(string method, string pathAndQuery)
    {
        int q = pathAndQuery.IndexOf('?');
        string path = q < 0 ? pathAndQuery : pathAndQuery[..q];
        var segments = path.Split('/');
        for (int i = 0; i < segments.Length; i++)
            segments[i] = Collapse(segments[i]);
        return $"{method} {string.Join('/', segments)}";
    }

    static string Collapse(string segment)
    {
        if (segment.Length == 0)
            return segment;
        if (Numeric().IsMatch(segment))
            return "{id}";
        if (Uuid().IsMatch(segment))
            return "{uuid}";
        // Hex ids (hashes, object ids) are long and contain a digit; words like "facade" are not ids.
        if (segment.Length >= 8 && Hex().IsMatch(segment) && segment.Any(char.IsAsciiDigit))
            return "{hex}";
        return segment;
    }

    [GeneratedRegex("^[0-9]+$")]
    private static partial Regex Numeric();

    [GeneratedRegex("^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")]
    private static partial Regex Uuid();

    [GeneratedRegex("^[0-9a-fA-F]+$")]
    private static partial Regex Hex();
}
