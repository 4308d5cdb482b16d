using System.Globalization;
using System.Text.RegularExpressions;

namespace Capture.Cli;

/// <summary>
/// Range checks for numbers given as options: a number out of range is one sentence and exit 2,
/// never an overflow, a NaN that fails every comparison, or a run that cannot end.
/// </summary>
internal static partial class OptionRange
{
    public static int Int(int value, string option, int min, int max) =>
        value >= min && value <= max ? value : throw Usage($"{option} must be between {min} and {max}, not {value}.");

    public static double Double(double value, string option, double min, double max) =>
        double.IsFinite(value) && value >= min && value <= max
            ? value
            : throw Usage($"{option} must be between {Show(min)} and {Show(max)}, not {value.ToString(CultureInfo.InvariantCulture)}.");

    /// <summary>Parses 500ms, 10s, 5m, 1h, or a plain number of seconds, within [min, max].</summary>
    public static TimeSpan Duration(string text, string option, TimeSpan min, TimeSpan max)
    {
        var match = DurationSyntax().Match(text.Trim());
        if (!match.Success)
            throw Usage($"{option} takes a duration like 500ms, 30s, 5m or 1h, not '{text}'.");
        double seconds = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) * match.Groups[2].Value switch
        {
            "ms" => 0.001,
            "m" => 60,
            "h" => 3600,
            _ => 1,
        };
        // Checked as a double: 99999999999h does not fit a TimeSpan.
        if (!(seconds >= min.TotalSeconds && seconds <= max.TotalSeconds))
            throw Usage($"{option} must be between {Show(min)} and {Show(max)}, not '{text}'.");
        return TimeSpan.FromSeconds(seconds);
    }

    static string Show(double value) => value.ToString("#,0.###", CultureInfo.InvariantCulture);

    static string Show(TimeSpan value) =>
        value.TotalDays >= 1 ? $"{value.TotalDays:0.###} day{(value.TotalDays == 1 ? "" : "s")}" :
        value.TotalSeconds >= 1 ? $"{value.TotalSeconds:0.###} s" :
        $"{value.TotalMilliseconds:0.###} ms";

    static UserError Usage(string sentence) => new(sentence, ExitCodes.Usage);

    [GeneratedRegex(@"^(\d+(?:\.\d+)?)(ms|s|m|h)?$")]
    private static partial Regex DurationSyntax();
}
