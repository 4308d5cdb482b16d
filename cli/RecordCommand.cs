using System.CommandLine;
using System.Runtime.InteropServices;
using System.Text.Json;
using Capture.Recorder;
using Capture.Recorder.Rotation;

namespace Capture.Cli;

/// <summary>`capture record -o FILE ...`: record the host's HTTP/1.x traffic with eBPF into a capture file.</summary>
public static class RecordCommand
{
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    public static Command Create(VerbConsole console)
    {
        var output = new Option<string>("--output", "-o") { Description = "The capture file to write (created with mode 0600).", Required = true };
        var duration = new Option<string?>("--duration") { Description = "Stop after this long, e.g. 30s, 5m, 1h (default: until Ctrl-C or SIGTERM)." };
        var maxSize = new Option<string?>("--max-size") { Description = "Stop when the file reaches about this size, e.g. 1GiB, 200MB." };
        var rotateSize = new Option<string?>("--rotate-size") { Description = "Start a new file when the current one reaches this size, e.g. 1GiB, 100MB (like tcpdump -C); -o gives the base name, each file is named BASE-YYYYMMDDTHHMMSS.mmmZ.tcap after its start (UTC)." };
        var rotateEvery = new Option<string?>("--rotate-every") { Description = "Start a new file every DURATION, e.g. 5m, 1h (like tcpdump -G); names as for --rotate-size." };
        var keep = new Option<int?>("--keep") { Description = "With --rotate-size/--rotate-every: keep at most N files, the current one included; the oldest are removed (like tcpdump -W)." };
        var pids = new Option<int[]>("--pid") { Description = "Only this process id (repeatable).", Arity = ArgumentArity.ZeroOrMore };
        var comms = new Option<string[]>("--comm") { Description = "Only processes with this name, as in /proc/PID/comm (repeatable).", Arity = ArgumentArity.ZeroOrMore };
        var ports = new Option<int[]>("--port") { Description = "Only connections with this local or remote port (repeatable).", Arity = ArgumentArity.ZeroOrMore };
        var cgroups = new Option<string[]>("--cgroup") { Description = "Only processes in this cgroup v2 or below it: its path as /proc/PID/cgroup shows it, or its directory (repeatable).", Arity = ArgumentArity.ZeroOrMore };
        var containers = new Option<string[]>("--container") { Description = "Only processes in this container: its id or a unique prefix, as docker ps or crictl ps show it (repeatable).", Arity = ArgumentArity.ZeroOrMore };
        var maxBytesPerCall = new Option<string?>("--max-bytes-per-call") { Description = "Bytes captured per syscall; beyond it the file records how many were cut (default 8MiB)." };
        var ringBuffer = new Option<string?>("--ring-buffer") { Description = "Kernel ring-buffer size (default 64MiB); raise it if events are lost." };
        var allTcp = new Option<bool>("--all-tcp") { Description = "Also record TCP connections that do not look like HTTP/1.x." };
        var tls = new Option<bool>("--tls") { Description = "Record HTTPS plaintext with uprobes on OpenSSL (libssl, or linked in) and Go's crypto/tls (Go 1.17+); fail if none can be probed (default: on when one is found)." };
        var noTls = new Option<bool>("--no-tls") { Description = "Do not probe OpenSSL or Go: TLS connections are left out like other non-HTTP traffic." };
        var sslLibs = new Option<string[]>("--ssl-lib") { Description = "Also probe this file for SSL_read/SSL_write: a libssl elsewhere, or a program linking OpenSSL statically (repeatable).", Arity = ArgumentArity.ZeroOrMore };
        var dataPath = new Option<string?>("--data-path") { Description = "Kernel hooks for the data: socket (tracepoints of Linux 6.3+) or syscall (any kernel); default: socket where the kernel has it." };
        dataPath.AcceptOnlyFromAmong("socket", "syscall");
        var json = new Option<bool>("--json") { Description = "Print the summary as one JSON object." };

        var command = new Command("record", "Record HTTP/1.x traffic of this host's processes with eBPF into a capture file (needs root).")
        {
            output, duration, maxSize, rotateSize, rotateEvery, keep, pids, comms, ports, cgroups, containers, maxBytesPerCall, ringBuffer, allTcp, tls, noTls, sslLibs, dataPath, json,
        };
        command.SetAction(parsed => VerbRunner.Run(console, () =>
        {
            var options = new RecorderOptions
            {
                OutputPath = Path.GetFullPath(parsed.GetValue(output)!),
                Duration = parsed.GetValue(duration) is { } d ? Duration(d) : null,
                MaxFileBytes = parsed.GetValue(maxSize) is { } m ? Size(m, "--max-size") : null,
                Rotation = Rotation(parsed.GetValue(rotateSize), parsed.GetValue(rotateEvery), parsed.GetValue(keep), parsed.GetValue(maxSize)),
                Pids = Positive(parsed.GetValue(pids) ?? [], "--pid", int.MaxValue),
                ProcessNames = parsed.GetValue(comms) ?? [],
                Ports = Positive(parsed.GetValue(ports) ?? [], "--port", 65535),
                Cgroups = parsed.GetValue(cgroups) ?? [],
                Containers = parsed.GetValue(containers) ?? [],
                MaxBytesPerCall = parsed.GetValue(maxBytesPerCall) is { } c ? SizeUInt(c, "--max-bytes-per-call") : RecorderOptions.DefaultMaxBytesPerCall,
                RingBufferBytes = parsed.GetValue(ringBuffer) is { } r ? SizeUInt(r, "--ring-buffer") : RecorderOptions.DefaultRingBufferBytes,
                AllTcp = parsed.GetValue(allTcp),
                Tls = Tls(parsed.GetValue(tls), parsed.GetValue(noTls), parsed.GetValue(sslLibs) ?? []),
                SslLibraries = (parsed.GetValue(sslLibs) ?? []).Select(Path.GetFullPath).ToList(),
                DataPath = parsed.GetValue(dataPath) switch
                {
                    "socket" => DataPath.Socket,
                    "syscall" => DataPath.Syscall,
                    _ => DataPath.Auto,
                },
            };
            return Run(options, parsed.GetValue(json), console);
        }));
        return command;
    }

    private static int Run(RecorderOptions options, bool json, VerbConsole console)
    {
        using var stop = new CancellationTokenSource();
        void OnSignal(PosixSignalContext context)
        {
            context.Cancel = true; // finish the file and detach instead of dying
            stop.Cancel();
        }
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        var observer = new ConsoleObserver(console.Error, live: console.ErrorIsTerminal);

        RecordingSummary summary;
        try
        {
            summary = Recorder.Recorder.Run(options, observer, stop.Token);
        }
        catch (RecorderException e)
        {
            int code = e.Failure switch
            {
                RecorderFailure.Output => ExitCodes.Output,
                RecorderFailure.BadInput => ExitCodes.BadInput,
                _ => ExitCodes.Environment,
            };
            throw new UserError(e.Message, code);
        }
        finally
        {
            observer.EndLine();
        }

        if (json)
            console.Out.WriteLine(JsonSerializer.Serialize(summary, Json));
        else
            PrintSummary(summary, console.Out);
        return ExitCodes.Ok;
    }

    private static void PrintSummary(RecordingSummary s, TextWriter output)
    {
        string why = s.StopReason switch
        {
            StopReason.Duration => "duration reached",
            StopReason.MaxSize => "size limit reached",
            _ => "stopped",
        };
        output.WriteLine($"Recorded {s.OutputPath} ({why} after {s.Elapsed.TotalSeconds:F1}s, {s.FileBytes:N0} bytes)");
        if (s.Files.Count > 1)
            output.WriteLine($"  files        {s.Files.Count} kept, {s.Files[0]} … {s.Files[^1]}");
        output.WriteLine($"  connections  {s.Connections}");
        output.WriteLine($"  requests     {s.Requests}");
        output.WriteLine($"  data         {s.DataRecords} records, {s.CapturedBytes:N0} bytes" + (s.CutBytes > 0 ? $", {s.CutBytes:N0} bytes cut" : ""));
        if (s.SendfileRecovered + s.SendfileUnrecoverable > 0)
            output.WriteLine($"  sendfile     {s.SendfileRecovered} recovered from files, {s.SendfileUnrecoverable} unrecoverable");
        if (s.NoBufferGaps > 0)
            output.WriteLine($"  no buffer    {s.NoBufferGaps} gaps, {s.NoBufferBytes:N0} bytes moved without a user buffer (io_uring, splice, kernel senders)");
        output.WriteLine($"  lost         {s.LostEvents} events, {s.LostBytes:N0} bytes");
        output.WriteLine($"  data path    {s.DataPath} tracepoints");
        output.WriteLine(s.TlsLibraries.Count > 0 ? $"  tls          plaintext from {string.Join(", ", s.TlsLibraries)}" : "  tls          off (no OpenSSL or Go program probed)");
        foreach (var stack in s.TlsStacks.Where(t => !t.Probed))
            output.WriteLine($"               {stack}");
        if (s.TlsCallsWithoutSocket > 0)
            output.WriteLine($"               {s.TlsCallsWithoutSocket} SSL calls without a socket not recorded (TLS over memory buffers whose socket was not learned yet, e.g. a connection opened before recording)");
    }

    /// <summary>The rotation options, checked together; null when the recording writes one file.</summary>
    private static RotationPolicy? Rotation(string? size, string? every, int? keep, string? maxSize)
    {
        if (size is null && every is null)
            return keep is null ? null : throw new UserError("--keep needs --rotate-size or --rotate-every.", ExitCodes.Usage);
        if (maxSize is not null)
            throw new UserError("--max-size cannot be combined with rotation; bound the disk with --keep.", ExitCodes.Usage);
        long? bytes = size is null ? null : Size(size, "--rotate-size");
        if (bytes < RotationPolicy.MinBytes)
            throw new UserError($"--rotate-size '{size}' is too small; the least is 64KiB.", ExitCodes.Usage);
        TimeSpan? window = every is null ? null
            : Units.TryParseDuration(every, out var d) ? d
            : throw new UserError($"--rotate-every '{every}' is not a duration such as 30s, 5m or 1h.", ExitCodes.Usage);
        if (window < RotationPolicy.MinEvery)
            throw new UserError($"--rotate-every '{every}' is too short; the least is 1s.", ExitCodes.Usage);
        if (keep is < 1 or > 1_000_000)
            throw new UserError($"--keep {keep} is out of range (1 to 1000000).", ExitCodes.Usage);
        return new RotationPolicy(bytes, window, keep);
    }

    private static TlsMode Tls(bool tls, bool noTls, string[] sslLibraries)
    {
        if (noTls && (tls || sslLibraries.Length > 0))
            throw new UserError("--no-tls cannot be combined with --tls or --ssl-lib.", ExitCodes.Usage);
        return noTls ? TlsMode.Off : tls ? TlsMode.Required : TlsMode.Auto;
    }

    private static TimeSpan Duration(string text) =>
        Units.TryParseDuration(text, out var d) ? d
            : throw new UserError($"--duration '{text}' is not a duration such as 30s, 5m or 1h.", ExitCodes.Usage);

    private static long Size(string text, string option) =>
        Units.TryParseSize(text, out long bytes) ? bytes
            : throw new UserError($"{option} '{text}' is not a size such as 4096, 64KiB or 1GiB.", ExitCodes.Usage);

    private static uint SizeUInt(string text, string option)
    {
        long bytes = Size(text, option);
        return bytes <= uint.MaxValue ? (uint)bytes
            : throw new UserError($"{option} '{text}' is too large; the most is 4GiB - 1.", ExitCodes.Usage);
    }

    private static int[] Positive(int[] values, string option, int max)
    {
        foreach (int v in values)
            if (v <= 0 || v > max)
                throw new UserError($"{option} {v} is out of range (1 to {max}).", ExitCodes.Usage);
        return values;
    }

    /// <summary>Says when recording starts; on a terminal, one live status line refreshed every second.</summary>
    private sealed class ConsoleObserver(TextWriter error, bool live) : IRecordingObserver
    {
        private bool _lineOpen;

        public void Attached(string outputPath) =>
            error.WriteLine($"capture: recording to {outputPath}; press Ctrl-C to stop.");

        public void Progress(RecordingProgress p)
        {
            if (!live)
                return;
            error.Write($"\r{p.Elapsed:hh\\:mm\\:ss}  {p.EventsPerSecond,8:F0} events/s  {p.FileBytes / 1e6,8:F1} MB  {p.Connections,6} connections  {p.Requests,7} requests  {p.LostEvents} lost ");
            _lineOpen = true;
        }

        public void EndLine()
        {
            if (_lineOpen)
                error.WriteLine();
            _lineOpen = false;
        }
    }
}
