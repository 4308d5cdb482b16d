namespace Capture.Cli;

/// <summary>
/// Where a verb writes: its output and its errors, and whether each goes to a terminal (live progress
/// lines and table widths depend on it). Program.cs gives the process's console; tests give their own
/// writers, so verbs run side by side without sharing Console.Out. <see cref="Time"/> is the verbs' clock.
/// </summary>
public sealed record VerbConsole(TextWriter Out, TextWriter Error, bool OutIsTerminal, bool ErrorIsTerminal)
{
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>The process's standard output and error, as they are when this is called.</summary>
    public static VerbConsole Process() =>
        new(Console.Out, Console.Error, OutIsTerminal: !Console.IsOutputRedirected, ErrorIsTerminal: !Console.IsErrorRedirected);
}
