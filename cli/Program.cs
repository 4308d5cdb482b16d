using System.CommandLine;
using Capture.Cli;

StandardOutput.Install();

var root = CaptureCommandLine.Build();

ParseResult parsed = root.Parse(args);
if (parsed.Errors.Count > 0)
{
    foreach (var error in parsed.Errors)
        Console.Error.WriteLine($"capture: {error.Message}");
    Console.Error.WriteLine("Run 'capture --help' for usage.");
    return ExitCodes.Usage;
}
return parsed.Invoke();
