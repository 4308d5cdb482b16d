using Capture.Replay.Input;

namespace Capture.Replay.Comparison;

/// <summary>What the target answered to one replayed request, body as received (still encoded).</summary>
public sealed record ReceivedResponse(int Status, IReadOnlyList<HeaderField> Headers, byte[] Body, bool BodyTruncated)
{
    public string? Header(string name) =>
        Headers.FirstOrDefault(h => string.Equals(h.Name, name, StringComparison.OrdinalIgnoreCase))?.Value;
}
