using System.Diagnostics;

namespace Capture.Cli.Conversion;

/// <summary>How far through the input a conversion is: one line on a terminal's stderr, at most twice a second; silent without a <paramref name="terminal"/> (stderr redirected).</summary>
internal sealed class ConversionProgress(Stream input, string label, TextWriter? terminal)
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private long _lastDrawMs;
    private bool _drawn;

    public void Tick()
    {
        if (terminal is null || _clock.ElapsedMilliseconds - _lastDrawMs < 500)
            return;
        _lastDrawMs = _clock.ElapsedMilliseconds;
        long length = Math.Max(1, input.Length);
        terminal.Write($"\r{label}: {100 * input.Position / length,3}% of {length / (1 << 20):N0} MiB");
        _drawn = true;
    }

    public void Done()
    {
        if (_drawn)
            terminal?.Write("\r\u001b[K");
    }
}
