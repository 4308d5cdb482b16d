using System.CommandLine;

namespace Capture.Cli;

/// <summary>The `capture` command line: every verb, writing to the console it is given. Program.cs runs it; tests parse deploy/ manifests with it.</summary>
public static class CaptureCommandLine
{
    public static RootCommand Build(VerbConsole console)
    {
        var root = new RootCommand("capture: record HTTP traffic with eBPF, convert it to HAR or pcapng, and replay it against a test environment.");
        root.Subcommands.Add(InspectCommand.Create(console));
        root.Subcommands.Add(ReplayCommand.Create(console));
        root.Subcommands.Add(ReportCommand.Create(console));
        root.Subcommands.Add(RecordCommand.Create(console));
        root.Subcommands.Add(PcapCommand.Create(console));
        root.Subcommands.Add(HarCommand.Create(console));
        root.Subcommands.Add(LsCommand.Create(console));
        root.Subcommands.Add(MergeCommand.Create(console));
        root.Subcommands.Add(DemoCommand.Create(console));
        root.Subcommands.Add(DemoServiceCommand.Create(console));
        return root;
    }
}
