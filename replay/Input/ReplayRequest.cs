using Capture.Traffic.Grpc;

namespace Capture.Replay.Input;

/// <summary>One header as recorded, in recorded order and spelling.</summary>
public sealed record HeaderField(string Name, string Value);

/// <summary>What the recorded server answered. Body is null when the recording did not keep it.</summary>
public sealed record RecordedResponse(
    int Status,
    IReadOnlyList<HeaderField> Headers,
    byte[]? Body,
    string? MimeType)
{
    /// <summary>The recorded grpc-status (from the trailers, or the headers of a trailers-only answer), when the exchange is gRPC.</summary>
    public int? GrpcStatus { get; init; }
    /// <summary>The recorded grpc-message, percent-decoded.</summary>
    public string? GrpcMessage { get; init; }
}

/// <summary>
/// One request of a replay plan, as recorded: enough to resend it byte for byte and to
/// judge the answer against what production said.
/// </summary>
public sealed record ReplayRequest
{
    /// <summary>Position in the recording (entry order after sorting by start time); filters do not renumber.</summary>
    public required int Index { get; init; }
    public required string Method { get; init; }
    /// <summary>The recorded absolute URL; only its path and query are sent.</summary>
    public required string Url { get; init; }
    public required IReadOnlyList<HeaderField> Headers { get; init; }
    public required byte[] Body { get; init; }
    public required RecordedResponse Response { get; init; }
    /// <summary>When the recorded request started.</summary>
    public required DateTimeOffset StartedAt { get; init; }
    /// <summary>Recorded total time in milliseconds, or null when unknown.</summary>
    public double? RecordedMilliseconds { get; init; }
    /// <summary>Recorded connection id; requests sharing it are replayed in recorded order.</summary>
    public string? ConnectionId { get; init; }
    /// <summary>Process id of the recorded server, when the recording knows it.</summary>
    public int? Pid { get; init; }
    /// <summary>The recording lost part of this exchange (gap, abort, missing response).</summary>
    public bool Incomplete { get; init; }
    /// <summary>The recorded response body was cut at the recording's size cap.</summary>
    public bool Truncated { get; init; }
    /// <summary>The HTTP version the exchange was recorded over (1.0, 1.1 or 2.0; see <see cref="RecordedHttpVersion"/>).</summary>
    public Version HttpVersion { get; init; } = System.Net.HttpVersion.Version11;
    /// <summary>The HTTP/2 stream id on the recorded connection, or null for HTTP/1.</summary>
    public int? StreamId { get; init; }

    /// <summary>Streams of one HTTP/2 connection run side by side: a request recorded over HTTP/2 need not wait for the one before it to end.</summary>
    public bool Multiplexed => HttpVersion.Major >= 2;
    /// <summary>The exchange is a gRPC call: its request or recorded answer has the content type application/grpc (or application/grpc+...).</summary>
    public bool IsGrpc => GrpcCall.IsGrpcContentType(RequestContentType()) || GrpcCall.IsGrpcContentType(Response.MimeType);

    // An indexed loop, not LINQ: this runs for every replayed answer and an enumerator would be allocated each time.
    string? RequestContentType()
    {
        for (int i = 0; i < Headers.Count; i++)
            if (string.Equals(Headers[i].Name, "Content-Type", StringComparison.OrdinalIgnoreCase))
                return Headers[i].Value;
        return null;
    }

    /// <summary>Path and query exactly as recorded, without normalisation.</summary>
    public string PathAndQuery => RecordedUrl.PathAndQuery(Url);
    public string Host => RecordedUrl.Host(Url);
}
