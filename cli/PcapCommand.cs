using System.CommandLine;
using System.Text.Json;
using Capture.Cli.Conversion;
using Capture.Format;
using Capture.Traffic.Pcap;
using Capture.Traffic.Reassembly;
using Capture.Format.Records;

namespace Capture.Cli;

/// <summary>`capture pcap FILE [-o OUT.pcapng]`: a pcapng file of synthesized TCP/IP that Wireshark and tshark dissect as HTTP.</summary>
public static class PcapCommand
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase, WriteIndented = true };

    public static Command Create(VerbConsole console)
    {
        var file = new Argument<string>("file") { Description = "The capture file (.tcap) to convert." };
        var output = new Option<string?>("--output", "-o") { Description = "The pcapng file to write, or - for stdout (default: FILE with extension .pcapng)." };
        var pids = new Option<int[]>("--pid") { Description = "Only connections of this process id (repeatable).", Arity = ArgumentArity.ZeroOrMore };
        var ports = new Option<int[]>("--port") { Description = "Only connections with this local or remote port (repeatable).", Arity = ArgumentArity.ZeroOrMore };
        var connections = new Option<ulong[]>("--connection") { Description = "Only this connection id, as shown in packet comments (repeatable).", Arity = ArgumentArity.ZeroOrMore };
        var filters = new ExchangeFilterOptions("connections with an exchange");
        var mtu = new Option<int>("--mtu") { Description = "Link MTU the data is cut into segments for (default 1500: MSS 1460 on IPv4, 1440 on IPv6).", DefaultValueFactory = _ => 1500 };
        var json = new Option<bool>("--json") { Description = "Print the summary as one JSON object on stdout." };

        var command = new Command("pcap", "Convert a capture file to pcapng with synthesized TCP/IP packets, for Wireshark and tshark.") { file, output, pids, ports, connections };
        filters.AddTo(command);
        command.Options.Add(mtu);
        command.Options.Add(json);
        command.SetAction(parsed => VerbRunner.Run(console, () =>
        {
            string input = parsed.GetValue(file)!;
            if (parsed.GetValue(output) == "-" && parsed.GetValue(json))
                throw new UserError("--json prints on stdout, so it cannot be used with -o - (pcapng on stdout).", ExitCodes.Usage);
            var exchangeFilter = filters.Build(parsed);
            int mtuValue = OptionRange.Int(parsed.GetValue(mtu), "--mtu", PcapExportOptions.MinimumMtu, PcapExportOptions.MaximumMtu);
            var pidSet = (parsed.GetValue(pids) ?? []).Select(p => OptionRange.Int(p, "--pid", 1, int.MaxValue)).ToHashSet();
            var portSet = (parsed.GetValue(ports) ?? []).Select(p => OptionRange.Int(p, "--port", 1, 65535)).ToHashSet();
            using var conversion = CaptureConversion.Open(input, parsed.GetValue(output), ".pcapng", console);
            var options = new PcapExportOptions
            {
                Mtu = mtuValue,
                Selector = new ConnectionSelector
                {
                    Pids = pidSet,
                    Ports = portSet,
                    ConnectionIds = (parsed.GetValue(connections) ?? []).ToHashSet(),
                    Predicate = exchangeFilter.IsEmpty ? null : ConnectionsWithMatchingExchange(input, exchangeFilter).Contains,
                },
            };
            // The pcapng writer buffers its own 1 MiB writes.
            var stats = conversion.WriteOutput(stream => PcapExporter.Export(conversion.Records("converting"), conversion.Reader.Header, stream, options));
            Report(conversion.OutputName, stats, conversion.Reader.Stats, parsed.GetValue(json), console);
            conversion.ReportReadProblems();
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static void Report(string target, PcapExportStats stats, CaptureReadStats read, bool json, VerbConsole console)
    {
        if (json)
        {
            console.Out.WriteLine(JsonSerializer.Serialize(new
            {
                output = target,
                stats.Connections,
                stats.ConnectionsWithoutOpen,
                stats.ConnectionsSkipped,
                stats.TwinConnectionsSkipped,
                stats.TlsPlaintextConnections,
                stats.Packets,
                stats.PayloadBytes,
                stats.Gaps,
                stats.GapBytes,
                read.CorruptBlocks,
                read.CleanClose,
            }, Json));
        }
        else
        {
            string gaps = stats.Gaps > 0 ? $", {stats.Gaps} gap(s) of {stats.GapBytes:N0} bytes shown as lost segments" : "";
            console.Error.WriteLine($"Wrote {stats.Packets:N0} packets of {stats.Connections:N0} connection(s), {stats.PayloadBytes:N0} payload bytes{gaps}, to {target}.");
        }
    }

    /// <summary>
    /// HTTP-level filters need the exchanges, so they take a first pass over the file: a connection is
    /// written whole if any of its exchanges matches. Twins are not merged here, so both ends of a
    /// connection answer for themselves.
    /// </summary>
    private static HashSet<ulong> ConnectionsWithMatchingExchange(string input, ExchangeFilter filter)
    {
        using var reader = CaptureReader.Open(input);
        var extractor = new ExchangeExtractor(reader, new ExtractorOptions { MergeTwinConnections = false });
        return extractor.Exchanges().Where(filter.Matches).Select(e => e.Connection.ConnectionId).ToHashSet();
    }
}
