namespace Capture.Cli;

/// <summary>The exit codes every verb uses; documented in the README.</summary>
public static class ExitCodes
{
    public const int Ok = 0;
    /// <summary>The run worked but its result fails the gate (replay mismatches over the limit).</summary>
    public const int GateFailed = 1;
    public const int Usage = 2;
    /// <summary>Input missing, not a capture/HAR file, unsupported version, or unreadable.</summary>
    public const int BadInput = 3;
    /// <summary>The machine cannot do it: not root, no BTF, BPF not permitted, libbpf missing.</summary>
    public const int Environment = 4;
    /// <summary>The output could not be written.</summary>
    public const int Output = 5;
    public const int Interrupted = 130;
}
