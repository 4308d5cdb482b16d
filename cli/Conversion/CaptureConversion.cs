using System.Runtime.InteropServices;
using Capture.Format;
using Capture.Format.Output;
using Capture.Format.Records;

namespace Capture.Cli.Conversion;

/// <summary>
/// What every verb that turns a capture into another file (har, pcap) does the same way: open the
/// input (it may still be growing), write the output through <see cref="OutputFile"/> (so OUT is
/// never half a file, and a device stays a device), stop cleanly on Ctrl-C or SIGTERM, show progress on a
/// terminal, and say what could not be read.
/// </summary>
internal sealed class CaptureConversion : IDisposable
{
    private readonly FileStream _input;
    private readonly CancellationTokenSource _interrupted = new();
    private readonly PosixSignalRegistration _onInterrupt;
    private readonly PosixSignalRegistration _onTerminate;
    private readonly VerbConsole _console;

    public string InputPath { get; }
    /// <summary>The output file, or null when the output goes to stdout.</summary>
    public string? OutputPath { get; }
    public string OutputName => OutputPath ?? "stdout";
    public CaptureReader Reader { get; }

    private CaptureConversion(string input, string? output, VerbConsole console)
    {
        _console = console;
        InputPath = input;
        OutputPath = output;
        _input = new FileStream(input, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16);
        try
        {
            Reader = new CaptureReader(_input, input);
        }
        catch
        {
            _input.Dispose();
            throw;
        }
        void OnSignal(PosixSignalContext context)
        {
            context.Cancel = true; // stop converting and remove the partial file instead of dying mid-write
            _interrupted.Cancel();
        }
        _onInterrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        _onTerminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
    }

    /// <param name="output">The -o value: a path, "-" for stdout, or null for the input's name with <paramref name="defaultExtension"/>.</param>
    public static CaptureConversion Open(string input, string? output, string defaultExtension, VerbConsole console)
    {
        string target = output ?? Path.ChangeExtension(input, defaultExtension);
        bool toStdout = target == "-";
        if (!toStdout && Path.GetFullPath(target) == Path.GetFullPath(input))
            throw new UserError($"The output {target} is the input capture file; choose another name with -o.", ExitCodes.Usage);
        InputFile.Require(input, "a capture file");
        return new CaptureConversion(input, toStdout ? null : target, console);
    }

    /// <summary>The input's records; stops (OperationCanceledException) when a signal arrives.</summary>
    public IEnumerable<CaptureRecord> Records(string progressLabel)
    {
        var progress = new ConversionProgress(_input, progressLabel, _console.ErrorIsTerminal ? _console.Error : null);
        try
        {
            foreach (var record in Reader.ReadRecords())
            {
                _interrupted.Token.ThrowIfCancellationRequested();
                progress.Tick();
                yield return record;
            }
        }
        finally
        {
            progress.Done();
        }
    }

    /// <summary>Runs <paramref name="write"/> on the output (see <see cref="OutputFile"/>), then puts it in place.</summary>
    /// <param name="stdoutBuffer">Buffering for stdout, for writers that do not buffer themselves (0 for none).</param>
    public T WriteOutput<T>(Func<Stream, T> write, int stdoutBuffer = 0)
    {
        if (OutputPath is null)
        {
            using var stdout = StandardOutput.OpenStream(stdoutBuffer);
            return write(stdout);
        }
        using var output = OutputFile.CreateWhole(OutputPath, bufferSize: 1 << 20);
        T result = write(output.Stream);
        output.Commit();
        return result;
    }

    /// <summary>Corrupt blocks and a cut tail, after the verb's own summary: the user should know what the output lacks.</summary>
    public void ReportReadProblems()
    {
        var read = Reader.Stats;
        if (read.CorruptBlocks > 0)
            _console.Error.WriteLine($"capture: {InputPath} has {read.CorruptBlocks} corrupt block(s); every intact block was converted.");
        if (!read.CleanClose && read.IncompleteTailBytes > 0)
            _console.Error.WriteLine($"capture: {InputPath} ends in an incomplete block ({read.IncompleteTailBytes} bytes; recording killed or still running); everything before it was converted.");
    }

    public void Dispose()
    {
        _onInterrupt.Dispose();
        _onTerminate.Dispose();
        _interrupted.Dispose();
        Reader.Dispose();
    }
}
