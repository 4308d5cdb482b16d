using System.Runtime.InteropServices;
using Capture.Traffic.Http;
using Capture.Replay.Input;

namespace Capture.Replay.Comparison;

/// <summary>What the target answered to one replayed request, body as received (still encoded).</summary>
public sealed record ReceivedResponse(int Status, IReadOnlyList<HeaderField> Headers, byte[] Body, bool BodyTruncated)
{
    /// <summary>The HTTP version the answer came over.</summary>
    public Version HttpVersion { get; init; } = System.Net.HttpVersion.Version11;

    /// <summary>The trailer fields that followed the body (HTTP/2 trailers, where gRPC puts its status).</summary>
    public IReadOnlyList<HeaderField> Trailers { get; init; } = [];

    /// <summary>grpc-status from the trailers, or from the headers of a trailers-only answer; null when absent or not a number.</summary>
    public int? GrpcStatus => int.TryParse(Trailer("grpc-status") ?? Header("grpc-status"), System.Globalization.NumberStyles.None,
        System.Globalization.CultureInfo.InvariantCulture, out int status) ? status : null;

    public string? Trailer(string name)
    {
        for (int i = 0; i < Trailers.Count; i++)
            if (string.Equals(Trailers[i].Name, name, StringComparison.OrdinalIgnoreCase))
                return Trailers[i].Value;
        return null;
    }

    public string? Header(string name)
    {
        // An indexed loop, not LINQ or foreach over the interface: this runs several times per
        // replayed request and those allocate an enumerator each.
        for (int i = 0; i < Headers.Count; i++)
            if (string.Equals(Headers[i].Name, name, StringComparison.OrdinalIgnoreCase))
                return Headers[i].Value;
        return null;
    }

    /// <summary>
    /// The body with Content-Encoding undone (the recording keeps bodies decoded, as HAR does), through
    /// the format's decoder; null when a coding is unknown or the data does not decode.
    /// An unencoded body is returned as is, not copied.
    /// </summary>
    public byte[]? DecodedBody()
    {
        if (!ContentDecoder.TryDecode(Body, Header("Content-Encoding"), out var decoded))
            return null;
        return MemoryMarshal.TryGetArray(decoded, out var segment) && segment.Array == Body && segment.Offset == 0 && segment.Count == Body.Length
            ? Body
            : decoded.ToArray();
    }
}
