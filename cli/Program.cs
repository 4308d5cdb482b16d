using System.CommandLine;
using Capture.Cli;

StandardOutput.Install();

var console = VerbConsole.Process();
var root = CaptureCommandLine.Build(console);

ParseResult parsed = root.Parse(args);
if (parsed.Errors.Count > 0)
{
    foreach (var error in parsed.Errors)
        console.Error.WriteLine($"capture: {error.Message}");
    console.Error.WriteLine("Run 'capture --help' for usage.");
    return ExitCodes.Usage;
}
return parsed.Invoke();
