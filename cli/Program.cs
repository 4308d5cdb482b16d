using System.CommandLine;
using Capture.Cli;

StandardOutput.Install();

var root = new RootCommand("capture: record HTTP traffic with eBPF, convert it to HAR or pcapng, and replay it against a test environment.");
root.Subcommands.Add(InspectCommand.Create());
root.Subcommands.Add(ReplayCommand.Create());
root.Subcommands.Add(ReportCommand.Create());
root.Subcommands.Add(RecordCommand.Create());
root.Subcommands.Add(PcapCommand.Create());
root.Subcommands.Add(HarCommand.Create());
root.Subcommands.Add(LsCommand.Create());
root.Subcommands.Add(MergeCommand.Create());
root.Subcommands.Add(DemoCommand.Create());
root.Subcommands.Add(DemoServiceCommand.Create());

ParseResult parsed = root.Parse(args);
if (parsed.Errors.Count > 0)
{
    foreach (var error in parsed.Errors)
        Console.Error.WriteLine($"capture: {error.Message}");
    Console.Error.WriteLine("Run 'capture --help' for usage.");
    return ExitCodes.Usage;
}
return parsed.Invoke();
