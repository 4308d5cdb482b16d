using Capture.Format;
using Capture.Format.Output;

namespace Capture.Cli;

/// <summary>Runs a verb's body and turns the errors a user can cause into one sentence and an exit code.</summary>
public static class VerbRunner
{
    public static int Run(Func<int> body)
    {
        try
        {
            return body();
        }
        catch (UserError e)
        {
            return Fail(e.Message, e.ExitCode);
        }
        catch (OutputException e)
        {
            return Fail(e.Message, ExitCodes.Output);
        }
        catch (CaptureFormatException e)
        {
            return Fail(e.Message, ExitCodes.BadInput);
        }
        catch (FileNotFoundException e)
        {
            return Fail($"File not found: {e.FileName ?? e.Message}.", ExitCodes.BadInput);
        }
        catch (DirectoryNotFoundException e)
        {
            return Fail($"{e.Message.TrimEnd('.')}.", ExitCodes.BadInput);
        }
        catch (UnauthorizedAccessException e)
        {
            return Fail($"Permission denied: {e.Message.TrimEnd('.')}.", ExitCodes.BadInput);
        }
        catch (OperationCanceledException)
        {
            return ExitCodes.Interrupted;
        }
    }

    public static Task<int> RunAsync(Func<Task<int>> body) => Task.FromResult(Run(() => body().GetAwaiter().GetResult()));

    public static int Fail(string sentence, int exitCode)
    {
        Console.Error.WriteLine($"capture: {sentence}");
        return exitCode;
    }
}
