using Capture.Replay.Comparison;

namespace Capture.Replay.Sending;

/// <summary>The result of sending one request: an answer, or the reason there was none.</summary>
internal sealed record SendOutcome(
    string Url,
    ReceivedResponse? Response,
    string? ErrorKind,
    string? ErrorMessage,
    /// <summary>Time of the last attempt, from sending to the last body byte.</summary>
    TimeSpan Latency,
    int Attempts)
{
    public bool Failed => Response is null;

    /// <summary>Not sent at all, and why: the request could not go out as recorded (<see cref="OutgoingRequestCheck"/>).</summary>
    public string? Refusal { get; init; }

    public static SendOutcome Refused(string url, string reason) => new(url, null, null, null, TimeSpan.Zero, 0) { Refusal = reason };
}
