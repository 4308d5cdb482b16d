using System.Text.Json;
using Capture.Replay.Input;
using Capture.Traffic.Grpc;
using Capture.Traffic.Http;

namespace Capture.Replay.Comparison;

/// <summary>
/// Judges a gRPC answer: its grpc-status against the recorded one, then its length-prefixed messages one by
/// one. With a descriptor set that knows the method, messages compare as JSON (the proto3 mapping), so
/// --ignore-json rules apply to each message's fields; otherwise, and for a message that does not decode,
/// byte for byte (after undoing grpc-encoding on a compressed message).
/// </summary>
internal sealed class GrpcComparer(ComparisonRules rules)
{
    const int MaxDifferences = 20;

    /// <summary>The status difference, or null when the statuses agree or the recording has none.</summary>
    public static string? StatusDifference(RecordedResponse recorded, ReceivedResponse actual)
    {
        if (recorded.GrpcStatus is not int expected || actual.GrpcStatus == expected)
            return null;
        string got = actual.GrpcStatus is int status ? $"{status} ({Name(status)})" : "none";
        string? grpcMessage = actual.Trailer("grpc-message") ?? actual.Header("grpc-message");
        string message = grpcMessage is null ? "" : $", grpc-message '{Unescape(grpcMessage)}'";
        return $"grpc-status: expected {expected} ({Name(expected)}), got {got}{message}";
    }

    /// <summary>Compares the messages of two gRPC bodies (the recorded one as kept, the replayed one as received).</summary>
    public (BodyVerdict, IReadOnlyList<string>) CompareMessages(ReplayRequest request, byte[] expectedBody, ReceivedResponse actual, byte[] actualBody)
    {
        var expected = new List<GrpcMessage>();
        var got = new List<GrpcMessage>();
        if (GrpcFraming.Split(expectedBody, expected) is string recordedProblem)
            return (BodyVerdict.NotComparedRecordingIncomplete, [$"grpc: the recorded body is not whole messages ({recordedProblem})"]);
        if (GrpcFraming.Split(actualBody, got) is string problem)
            return (BodyVerdict.Different, [$"grpc: the answer is not whole length-prefixed messages ({problem})"]);

        var differences = new List<string>();
        if (expected.Count != got.Count)
            differences.Add($"grpc messages: expected {expected.Count}, got {got.Count}");
        var outputType = OutputType(request.PathAndQuery);
        string? expectedEncoding = Header(request.Response.Headers, "grpc-encoding"), actualEncoding = actual.Header("grpc-encoding");
        for (int i = 0; i < Math.Min(expected.Count, got.Count) && differences.Count < MaxDifferences; i++)
        {
            var e = Uncompressed(expected[i], expectedEncoding);
            var a = Uncompressed(got[i], actualEncoding);
            CompareMessage(i, e, a, outputType, differences);
        }
        return (differences.Count == 0 ? BodyVerdict.Equal : BodyVerdict.Different, differences);
    }

    void CompareMessage(int index, ReadOnlyMemory<byte> expected, ReadOnlyMemory<byte> actual, Google.Protobuf.Reflection.MessageDescriptor? type, List<string> differences)
    {
        string at = $"grpc message {index + 1}";
        if (type is not null &&
            rules.Protobuf!.ToJson(type, expected.Span, out _) is string expectedJson &&
            rules.Protobuf.ToJson(type, actual.Span, out string? error) is var actualJson)
        {
            if (actualJson is null)
            {
                differences.Add($"{at}: not a {type.FullName} ({error})");
                return;
            }
            using var e = JsonDocument.Parse(expectedJson);
            using var a = JsonDocument.Parse(actualJson);
            foreach (string d in JsonBodyComparer.Compare(e.RootElement, a.RootElement, rules.IgnoreJson))
                differences.Add($"{at} {d}");
            return;
        }
        if (expected.Span.SequenceEqual(actual.Span))
            return;
        int common = expected.Span.CommonPrefixLength(actual.Span);
        differences.Add($"{at} differs at byte {common} (expected {expected.Length} bytes, got {actual.Length})");
    }

    /// <summary>The response type of "/package.Service/Method" in the descriptor set, or null.</summary>
    Google.Protobuf.Reflection.MessageDescriptor? OutputType(string pathAndQuery)
    {
        if (rules.Protobuf is null)
            return null;
        string path = pathAndQuery.Split('?')[0];
        int slash = path.LastIndexOf('/');
        if (slash <= 1)
            return null;
        return rules.Protobuf.FindMethod(path[1..slash], path[(slash + 1)..])?.OutputType;
    }

    /// <summary>A compressed message with its grpc-encoding undone; as it is when the coding is unknown.</summary>
    static ReadOnlyMemory<byte> Uncompressed(GrpcMessage message, string? encoding) =>
        message.Compressed && ContentDecoder.TryDecode(message.Data, encoding, out var decoded) ? decoded : message.Data;

    static string? Header(IReadOnlyList<HeaderField> headers, string name) =>
        headers.FirstOrDefault(h => string.Equals(h.Name, name, StringComparison.OrdinalIgnoreCase))?.Value;

    static string Unescape(string text)
    {
        try { return Uri.UnescapeDataString(text); }
        catch (UriFormatException) { return text; }
    }

    /// <summary>The status code names of the gRPC spec (doc/statuscodes.md).</summary>
    static string Name(int status) => status switch
    {
        0 => "OK", 1 => "CANCELLED", 2 => "UNKNOWN", 3 => "INVALID_ARGUMENT", 4 => "DEADLINE_EXCEEDED",
        5 => "NOT_FOUND", 6 => "ALREADY_EXISTS", 7 => "PERMISSION_DENIED", 8 => "RESOURCE_EXHAUSTED",
        9 => "FAILED_PRECONDITION", 10 => "ABORTED", 11 => "OUT_OF_RANGE", 12 => "UNIMPLEMENTED",
        13 => "INTERNAL", 14 => "UNAVAILABLE", 15 => "DATA_LOSS", 16 => "UNAUTHENTICATED",
        _ => "unknown code",
    };
}
