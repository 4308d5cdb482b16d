using System.CommandLine;
using Capture.Cli.Demo;

namespace Capture.Cli;

/// <summary>
/// `capture demo-service --port N [--changed]` (hidden): runs the demo's service in its own process,
/// because the recorder never traces its own process.
/// </summary>
public static class DemoServiceCommand
{
    public static Command Create(VerbConsole console)
    {
        var port = new Option<int>("--port") { Description = "Port on 127.0.0.1 to listen on.", Required = true };
        var changed = new Option<bool>("--changed") { Description = "Answer one route differently (the regression the demo finds)." };
        var command = new Command("demo-service", "Run the demo's HTTP service on 127.0.0.1.") { port, changed };
        command.Hidden = true;
        command.SetAction(parsed => VerbRunner.Run(console, () =>
        {
            using var app = DemoService.Build(parsed.GetValue(port), parsed.GetValue(changed));
            app.Run();
            return ExitCodes.Ok;
        }));
        return command;
    }
}
