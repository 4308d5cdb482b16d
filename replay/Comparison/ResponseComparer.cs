using System.Text;
using System.Text.Json;
using Capture.Replay.Input;

namespace Capture.Replay.Comparison;

/// <summary>Judges a replayed answer against the recorded one under the user's rules.</summary>
internal sealed class ResponseComparer(ComparisonRules rules)
{
    readonly GrpcComparer _grpc = new(rules);

    public ComparisonResult Compare(ReplayRequest request, ReceivedResponse actual)
    {
        var recorded = request.Response;
        // A recording without a response (status 0) has nothing to hold the status against.
        bool statusMatches = recorded.Status <= 0 ||
            (rules.StatusClassOnly ? recorded.Status / 100 == actual.Status / 100 : recorded.Status == actual.Status);

        List<string>? headerDifferences = null; // allocated only when something differs
        foreach (string name in rules.CompareHeaders)
        {
            string? expected = Header(recorded.Headers, name);
            string? got = actual.Header(name);
            if (!string.Equals(expected, got, StringComparison.Ordinal))
                (headerDifferences ??= []).Add($"header {name}: expected {Quote(expected)}, got {Quote(got)}");
        }

        if (request.IsGrpc && GrpcComparer.StatusDifference(recorded, actual) is string grpcStatus)
            (headerDifferences ??= []).Add(grpcStatus);

        var (verdict, bodyDifferences) = CompareBodies(request, actual);
        return new ComparisonResult(statusMatches, headerDifferences ?? NoDifferences, verdict, bodyDifferences);
    }

    static readonly IReadOnlyList<string> NoDifferences = [];

    (BodyVerdict, IReadOnlyList<string>) CompareBodies(ReplayRequest request, ReceivedResponse actual)
    {
        if (request.Truncated)
            return (BodyVerdict.NotComparedRecordingTruncated, NoDifferences);
        if (request.Incomplete)
            return (BodyVerdict.NotComparedRecordingIncomplete, NoDifferences);
        if (request.Response.Body is not byte[] expected)
            return (BodyVerdict.NotComparedNotRecorded, NoDifferences);
        if (actual.BodyTruncated)
            return (BodyVerdict.NotComparedReplayTooLarge, NoDifferences);

        string? encoding = actual.Header("Content-Encoding");
        byte[]? got = actual.DecodedBody();
        if (got is null)
            return (BodyVerdict.Different, [$"body: cannot decode Content-Encoding '{encoding}'"]);

        if (request.IsGrpc)
            return _grpc.CompareMessages(request, expected, actual, got);

        if (LooksLikeJson(expected) && TryParse(expected) is JsonDocument expectedJson)
        {
            using (expectedJson)
            {
                using var actualJson = TryParse(got);
                if (actualJson is null)
                    return (BodyVerdict.Different, [$"body: expected JSON, got {Snippet(got, 0)}"]);
                var differences = JsonBodyComparer.Compare(expectedJson.RootElement, actualJson.RootElement, rules.IgnoreJson);
                return (differences.Count == 0 ? BodyVerdict.Equal : BodyVerdict.Different, differences.Select(d => "body " + d).ToList());
            }
        }

        if (expected.AsSpan().SequenceEqual(got))
            return (BodyVerdict.Equal, NoDifferences);
        int at = expected.AsSpan().CommonPrefixLength(got);
        return (BodyVerdict.Different,
            [$"body differs at byte {at} (expected {expected.Length} bytes, got {got.Length}): expected {Snippet(expected, at)}, got {Snippet(got, at)}"]);
    }

    static bool LooksLikeJson(byte[] body)
    {
        foreach (byte b in body)
        {
            if (b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')
                continue;
            return b is (byte)'{' or (byte)'[';
        }
        return false;
    }

    static JsonDocument? TryParse(byte[] body)
    {
        try { return JsonDocument.Parse(body); }
        catch (JsonException) { return null; }
    }

    static string? Header(IReadOnlyList<HeaderField> headers, string name)
    {
        for (int i = 0; i < headers.Count; i++)
            if (string.Equals(headers[i].Name, name, StringComparison.OrdinalIgnoreCase))
                return headers[i].Value;
        return null;
    }

    static string Quote(string? value) => value is null ? "(absent)" : $"'{value}'";

    /// <summary>Up to 40 bytes around <paramref name="at"/>, printable characters only.</summary>
    static string Snippet(byte[] data, int at)
    {
        if (data.Length == 0)
            return "(empty)";
        int start = Math.Max(0, at - 10), length = Math.Min(40, data.Length - start);
        if (length <= 0)
            return "(end)";
        string text = Encoding.UTF8.GetString(data, start, length);
        var printable = new string(text.Select(c => char.IsControl(c) ? '.' : c).ToArray());
        return $"'{printable}'";
    }
}
