namespace Capture.Cli;

/// <summary>
/// An error the user can fix. The verb's message is printed as one sentence on stderr and
/// the process exits with <see cref="ExitCode"/>; never a stack trace.
/// </summary>
public sealed class UserError(string message, int exitCode) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}
