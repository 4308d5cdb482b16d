namespace Capture.Recorder;

/// <summary>Which side is at fault when recording cannot start or continue.</summary>
public enum RecorderFailure
{
    /// <summary>The machine cannot record: not root, no BTF, libbpf missing, BPF refused.</summary>
    Environment,
    /// <summary>The capture file cannot be written.</summary>
    Output,
    /// <summary>Something the user named is missing or is not what it should be (e.g. --ssl-lib).</summary>
    BadInput,
}

/// <summary>A failure the user can fix; <see cref="Exception.Message"/> is one sentence saying how.</summary>
public sealed class RecorderException(string message, RecorderFailure failure, Exception? inner = null)
    : Exception(message, inner)
{
    public RecorderFailure Failure { get; } = failure;
}
