using Capture.Replay.Reporting;

namespace Capture.Cli;

/// <summary>The exit code of a replay report, for `capture replay` and `capture report merge` alike.</summary>
public static class ReplayExitCode
{
    public static int For(ReplayReport report) =>
        report.Interrupted ? ExitCodes.Interrupted
        : report.Summary.Passed ? ExitCodes.Ok
        : ExitCodes.GateFailed;
}
