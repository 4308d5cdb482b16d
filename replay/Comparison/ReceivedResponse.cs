using Capture.Format.Http;
using Capture.Replay.Input;

namespace Capture.Replay.Comparison;

/// <summary>What the target answered to one replayed request, body as received (still encoded).</summary>
public sealed record ReceivedResponse(int Status, IReadOnlyList<HeaderField> Headers, byte[] Body, bool BodyTruncated)
{
    public string? Header(string name) =>
        Headers.FirstOrDefault(h => string.Equals(h.Name, name, StringComparison.OrdinalIgnoreCase))?.Value;

    /// <summary>
    /// The body with Content-Encoding undone (the recording keeps bodies decoded, as HAR does), through
    /// the format's decoder; null when a coding is unknown or the data does not decode.
    /// </summary>
    public byte[]? DecodedBody() =>
        ContentDecoder.TryDecode(Body, Header("Content-Encoding"), out var decoded) ? decoded.ToArray() : null;
}
