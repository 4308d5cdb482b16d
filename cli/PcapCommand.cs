using System.CommandLine;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;
using Capture.Format;
using Capture.Format.Pcap;
using Capture.Format.Reassembly;
using Capture.Format.Records;

namespace Capture.Cli;

/// <summary>`capture pcap FILE [-o OUT.pcapng]`: a pcapng file of synthesized TCP/IP that Wireshark and tshark dissect as HTTP.</summary>
public static class PcapCommand
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase, WriteIndented = true };

    public static Command Create()
    {
        var file = new Argument<string>("file") { Description = "The capture file (.tcap) to convert." };
        var output = new Option<string?>("--output", "-o") { Description = "The pcapng file to write, or - for stdout (default: FILE with extension .pcapng)." };
        var pids = new Option<int[]>("--pid") { Description = "Only connections of this process id (repeatable).", Arity = ArgumentArity.ZeroOrMore };
        var ports = new Option<int[]>("--port") { Description = "Only connections with this local or remote port (repeatable).", Arity = ArgumentArity.ZeroOrMore };
        var connections = new Option<ulong[]>("--connection") { Description = "Only this connection id, as shown in packet comments (repeatable).", Arity = ArgumentArity.ZeroOrMore };
        var host = new Option<string?>("--host") { Description = "Only connections with an exchange for this host (Host header or server address)." };
        var method = new Option<string?>("--method") { Description = "Only connections with an exchange of this request method." };
        var pathPrefix = new Option<string?>("--path-prefix") { Description = "Only connections with an exchange whose path starts with this, e.g. /api/." };
        var status = new Option<string?>("--status") { Description = "Only connections with an exchange of this status: 404, 5xx, or a list like 2xx,404." };
        var mtu = new Option<int>("--mtu") { Description = "Link MTU the data is cut into segments for (default 1500: MSS 1460 on IPv4, 1440 on IPv6).", DefaultValueFactory = _ => 1500 };
        var json = new Option<bool>("--json") { Description = "Print the summary as one JSON object on stdout." };

        var command = new Command("pcap", "Convert a capture file to pcapng with synthesized TCP/IP packets, for Wireshark and tshark.")
        {
            file, output, pids, ports, connections, host, method, pathPrefix, status, mtu, json,
        };
        command.SetAction(parsed => VerbRunner.Run(() =>
        {
            string input = parsed.GetValue(file)!;
            string target = parsed.GetValue(output) ?? Path.ChangeExtension(input, ".pcapng");
            bool toStdout = target == "-";
            if (toStdout && parsed.GetValue(json))
                throw new UserError("--json prints on stdout, so it cannot be used with -o - (pcapng on stdout).", ExitCodes.Usage);
            if (!toStdout && Path.GetFullPath(target) == Path.GetFullPath(input))
                throw new UserError($"The output {target} is the input capture file; choose another name with -o.", ExitCodes.Usage);

            var exchangeFilter = new ExchangeFilter
            {
                Host = parsed.GetValue(host),
                Method = parsed.GetValue(method),
                PathPrefix = parsed.GetValue(pathPrefix),
                Status = parsed.GetValue(status) is { } s ? ParseStatus(s) : null,
            };
            var options = new PcapExportOptions
            {
                Mtu = InRange(parsed.GetValue(mtu), "--mtu", PcapExportOptions.MinimumMtu, PcapExportOptions.MaximumMtu),
                Selector = new ConnectionSelector
                {
                    Pids = (parsed.GetValue(pids) ?? []).Select(p => InRange(p, "--pid", 1, int.MaxValue)).ToHashSet(),
                    Ports = (parsed.GetValue(ports) ?? []).Select(p => InRange(p, "--port", 1, 65535)).ToHashSet(),
                    ConnectionIds = (parsed.GetValue(connections) ?? []).ToHashSet(),
                    Predicate = exchangeFilter.IsEmpty ? null : ConnectionsWithMatchingExchange(input, exchangeFilter).Contains,
                },
            };
            return Convert(input, target, toStdout, options, parsed.GetValue(json));
        }));
        return command;
    }

    private static int Convert(string input, string target, bool toStdout, PcapExportOptions options, bool json)
    {
        if (Directory.Exists(input))
            throw new UserError($"{input} is a directory, not a capture file.", ExitCodes.BadInput);
        if (!File.Exists(input))
            throw new UserError($"File not found: {input}.", ExitCodes.BadInput);
        using var inputStream = new FileStream(input, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16);
        using var reader = new CaptureReader(inputStream, input);

        using var interrupted = new CancellationTokenSource();
        void OnSignal(PosixSignalContext context)
        {
            context.Cancel = true; // stop converting and remove the partial file instead of dying
            interrupted.Cancel();
        }
        using var onInterrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        using var onTerminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);

        // A file is written under a temporary name and renamed when whole, so OUT is never half a file.
        string? temporary = toStdout ? null : Path.Combine(Path.GetDirectoryName(Path.GetFullPath(target))!, $".{Path.GetFileName(target)}.{Environment.ProcessId}.partial");
        PcapExportStats stats;
        try
        {
            using (Stream outputStream = OpenOutput(temporary))
            {
                var progress = new Progress(inputStream, enabled: !toStdout && !Console.IsErrorRedirected);
                stats = PcapExporter.Export(Watch(reader.ReadRecords(), progress, interrupted.Token), reader.Header, outputStream, options);
                progress.Done();
            }
            if (temporary is not null)
                File.Move(temporary, target, overwrite: true);
        }
        catch (IOException e) when (e is not FileNotFoundException)
        {
            throw new UserError($"Cannot write {(toStdout ? "stdout" : target)}: {e.Message.TrimEnd('.')}.", ExitCodes.Output);
        }
        catch (UnauthorizedAccessException)
        {
            throw new UserError($"Permission denied writing {target}.", ExitCodes.Output);
        }
        finally
        {
            if (temporary is not null && File.Exists(temporary))
                File.Delete(temporary);
        }

        Report(input, toStdout ? "stdout" : target, stats, reader.Stats, json);
        return ExitCodes.Ok;
    }

    private static Stream OpenOutput(string? temporary)
    {
        if (temporary is null)
            return Console.OpenStandardOutput(); // the pcapng writer buffers: 1 MiB writes
        if (!Directory.Exists(Path.GetDirectoryName(temporary)))
            throw new UserError($"The output directory {Path.GetDirectoryName(temporary)} does not exist.", ExitCodes.Output);
        return new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0); // the pcapng writer buffers
    }

    private static IEnumerable<CaptureRecord> Watch(IEnumerable<CaptureRecord> records, Progress progress, CancellationToken interrupted)
    {
        foreach (CaptureRecord record in records)
        {
            interrupted.ThrowIfCancellationRequested();
            progress.Tick();
            yield return record;
        }
    }

    private static void Report(string input, string target, PcapExportStats stats, CaptureReadStats read, bool json)
    {
        if (json)
        {
            Console.Out.WriteLine(JsonSerializer.Serialize(new
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
            Console.Error.WriteLine($"Wrote {stats.Packets:N0} packets of {stats.Connections:N0} connection(s), {stats.PayloadBytes:N0} payload bytes{gaps}, to {target}.");
        }
        if (read.CorruptBlocks > 0)
            Console.Error.WriteLine($"capture: {input} has {read.CorruptBlocks} corrupt block(s); every intact block was converted.");
        if (!read.CleanClose && read.IncompleteTailBytes > 0)
            Console.Error.WriteLine($"capture: {input} ends in an incomplete block ({read.IncompleteTailBytes} bytes; recording killed or still running); everything before it was converted.");
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

    private static StatusSet ParseStatus(string text)
    {
        try
        {
            return ExchangeFilter.ParseStatus(text);
        }
        catch (FormatException e)
        {
            throw new UserError(e.Message, ExitCodes.Usage);
        }
    }

    private static int InRange(int value, string option, int min, int max) =>
        value >= min && value <= max ? value : throw new UserError($"{option} must be between {min} and {max}, not {value}.", ExitCodes.Usage);

    /// <summary>A one-line percentage on a terminal's stderr, refreshed at most twice a second; silent when piped.</summary>
    private sealed class Progress(Stream input, bool enabled)
    {
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private long _lastDrawMs;
        private bool _drawn;

        public void Tick()
        {
            if (!enabled || _clock.ElapsedMilliseconds - _lastDrawMs < 500)
                return;
            _lastDrawMs = _clock.ElapsedMilliseconds;
            long length = Math.Max(1, input.Length);
            Console.Error.Write($"\rconverting: {100 * input.Position / length,3}% of {length / (1 << 20):N0} MiB");
            _drawn = true;
        }

        public void Done()
        {
            if (_drawn)
                Console.Error.Write("\r\u001b[K");
        }
    }
}
