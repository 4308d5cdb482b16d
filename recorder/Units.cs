using System.Globalization;

namespace Capture.Recorder;

/// <summary>Parses the human units of recorder options: durations (500ms, 30s, 5m, 2h) and sizes (4096, 64KiB, 1GiB, 10MB).</summary>
public static class Units
{
    public static bool TryParseDuration(string text, out TimeSpan duration)
    {
        duration = default;
        text = text.Trim();
        (string suffix, double seconds)[] units = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)];
        foreach (var (suffix, seconds) in units)
        {
            if (!text.EndsWith(suffix, StringComparison.OrdinalIgnoreCase))
                continue;
            string number = text[..^suffix.Length];
            if (suffix == "s" && number.EndsWith('m'))
                continue; // "ms" is handled above
            if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || value <= 0 || value > 1e7)
                return false;
            duration = TimeSpan.FromSeconds(value * seconds);
            return true;
        }
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double plain) && plain > 0 && plain <= 1e7)
        {
            duration = TimeSpan.FromSeconds(plain);
            return true;
        }
        return false;
    }

    public static bool TryParseSize(string text, out long bytes)
    {
        bytes = 0;
        text = text.Trim();
        (string suffix, long factor)[] units =
        [
            ("KiB", 1L << 10), ("MiB", 1L << 20), ("GiB", 1L << 30), ("TiB", 1L << 40),
            ("KB", 1000L), ("MB", 1000_000L), ("GB", 1000_000_000L), ("TB", 1000_000_000_000L),
            ("K", 1L << 10), ("M", 1L << 20), ("G", 1L << 30), ("B", 1L),
        ];
        long multiplier = 1;
        foreach (var (suffix, factor) in units)
        {
            if (text.EndsWith(suffix, StringComparison.OrdinalIgnoreCase))
            {
                multiplier = factor;
                text = text[..^suffix.Length];
                break;
            }
        }
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || value <= 0)
            return false;
        double total = value * multiplier;
        if (total >= long.MaxValue || total < 1)
            return false;
        bytes = (long)total;
        return true;
    }
}
