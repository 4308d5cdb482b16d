using Capture.Format;
using Capture.Format.Output;

namespace Capture.Cli;

/// <summary>Runs a verb's body and turns the errors a user can cause into one sentence and an exit code.</summary>
public static class VerbRunner
{
    public static int Run(VerbConsole console, Func<int> body)
    {
        try
        {
            return body();
        }
        catch (UserError e)
        {
            return Fail(console, e.Message, e.ExitCode);
        }
        catch (OutputException e)
        {
            return Fail(console, e.Message, ExitCodes.Output);
        }
        catch (CaptureFormatException e)
        {
            return Fail(console, e.Message, ExitCodes.BadInput);
        }
        catch (FileNotFoundException e)
        {
            return Fail(console, $"File not found: {e.FileName ?? e.Message}.", ExitCodes.BadInput);
        }
        catch (DirectoryNotFoundException e)
        {
            return Fail(console, $"{e.Message.TrimEnd('.')}.", ExitCodes.BadInput);
        }
        catch (UnauthorizedAccessException e)
        {
            return Fail(console, $"Permission denied: {e.Message.TrimEnd('.')}.", ExitCodes.BadInput);
        }
        catch (OperationCanceledException)
        {
            return ExitCodes.Interrupted;
        }
    }

    public static Task<int> RunAsync(VerbConsole console, Func<Task<int>> body) => Task.FromResult(Run(console, () => body().GetAwaiter().GetResult()));

    public static int Fail(VerbConsole console, string sentence, int exitCode)
    {
        console.Error.WriteLine($"capture: {sentence}");
        return exitCode;
    }
}
