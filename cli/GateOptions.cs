using System.CommandLine;
using System.Globalization;

namespace Capture.Cli;

/// <summary>The gate's options, which `replay` and `report merge` share: --max-mismatch and --allow-not-compared.</summary>
internal sealed class GateOptions
{
    public Option<string> MaxMismatch { get; } = new("--max-mismatch")
    {
        Description = "Exit 0 while mismatches, errors, skipped and not-compared answers are at most N% of requests (default 0).",
        DefaultValueFactory = _ => "0",
    };

    public Option<bool> AllowNotCompared { get; } = new("--allow-not-compared")
    {
        Description = "Let answers whose body could not be compared (recording cut or without body, answer over 16 MiB) pass the gate.",
    };

    public void AddTo(Command command)
    {
        command.Options.Add(MaxMismatch);
        command.Options.Add(AllowNotCompared);
    }

    public double MaxMismatchPercent(ParseResult parsed)
    {
        string text = parsed.GetValue(MaxMismatch)!;
        string number = text.Trim().TrimEnd('%');
        if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || !double.IsFinite(value) || value < 0 || value > 100)
            throw new UserError($"--max-mismatch takes a percentage between 0 and 100, not '{text}'.", ExitCodes.Usage);
        return value;
    }

    public bool AllowsNotCompared(ParseResult parsed) => parsed.GetValue(AllowNotCompared);
}
