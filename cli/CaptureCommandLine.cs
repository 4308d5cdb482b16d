using System.CommandLine;

namespace Capture.Cli;

/// <summary>The `capture` command line: every verb. Program.cs runs it; tests parse deploy/ manifests with it.</summary>
public static class CaptureCommandLine
{
    public static RootCommand Build()
    {
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
        return root;
    }
}
