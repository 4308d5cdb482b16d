namespace Capture.Replay.Comparison;

/// <summary>The outcome of comparing bodies, including why a body was not compared.</summary>
internal enum BodyVerdict
{
    Equal,
    Different,
    /// <summary>The recorded body was cut at the recording's size cap.</summary>
    NotComparedRecordingTruncated,
    /// <summary>The recorded exchange is incomplete (gap, aborted, no response).</summary>
    NotComparedRecordingIncomplete,
    /// <summary>The recording did not keep the body (common in browser exports).</summary>
    NotComparedNotRecorded,
    /// <summary>The replayed body was larger than the replay's body cap.</summary>
    NotComparedReplayTooLarge,
}
