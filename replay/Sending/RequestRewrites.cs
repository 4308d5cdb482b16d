using Capture.Replay.Input;

namespace Capture.Replay.Sending;

/// <summary>Changes applied to every recorded request before it is sent.</summary>
public sealed record RequestRewrites
{
    /// <summary>Replace a leading path prefix (From) with another (To).</summary>
    public (string From, string To)? PathPrefix { get; init; }
    /// <summary>Headers to set, replacing recorded values of the same name.</summary>
    public IReadOnlyList<HeaderField> SetHeaders { get; init; } = [];
    public IReadOnlyList<string> DropHeaders { get; init; } = [];
    /// <summary>Send the recorded Host header instead of the target's.</summary>
    public bool KeepHost { get; init; }
    /// <summary>The HTTP version requests go out with: as recorded (default), or forced to 1.1 or 2.</summary>
    public HttpVersionChoice HttpVersion { get; init; } = HttpVersionChoice.Recorded;
}
