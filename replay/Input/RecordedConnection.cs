namespace Capture.Replay.Input;

/// <summary>
/// The one rule for a recorded connection's identity in a replay plan (ordering and --shard): HOST/ID when the
/// recording names the connection's host (a capture always does; a HAR when it has "_host"), else ID. A merged
/// capture holds several hosts whose recorders each counted from 1: the host keeps their connections apart.
/// </summary>
internal static class RecordedConnection
{
    public static string? Key(string? host, string? id) =>
        id is null ? null : string.IsNullOrEmpty(host) ? id : $"{host}/{id}";
}
