namespace Capture.Traffic.Har;

/// <summary>
/// A number already rounded to three decimals, as UTF-8 exactly as Utf8JsonWriter writes that double
/// (its shortest round-trip form), without the general float formatting, which took a tenth of the
/// HAR writer's time. A value rounded to thousandths is the double nearest k/1000, and for |k| &lt; 10^15
/// no shorter decimal maps to that double, so its text is k's digits with the point put back.
/// </summary>
internal static class MillisecondText
{
    public const int MaxLength = 24;

    /// <summary>False for what keeps the general path: huge values, -0, NaN and infinities.</summary>
    public static bool TryFormat(double rounded, Span<byte> into, out int written)
    {
        written = 0;
        double thousandths = Math.Round(rounded * 1000);
        if (!double.IsFinite(rounded) || Math.Abs(thousandths) >= 1e15 || rounded == 0 && double.IsNegative(rounded))
            return false;
        long k = (long)thousandths;
        Span<byte> text = stackalloc byte[MaxLength];
        int at = text.Length;
        long magnitude = Math.Abs(k);
        long fraction = magnitude % 1000;
        if (fraction != 0)
        {
            int digits = 3;
            while (fraction % 10 == 0)
            {
                fraction /= 10;
                digits--;
            }
            for (int i = 0; i < digits; i++)
            {
                text[--at] = (byte)('0' + fraction % 10);
                fraction /= 10;
            }
            text[--at] = (byte)'.';
        }
        long whole = magnitude / 1000;
        do
        {
            text[--at] = (byte)('0' + whole % 10);
            whole /= 10;
        }
        while (whole > 0);
        if (k < 0)
            text[--at] = (byte)'-';
        text[at..].CopyTo(into);
        written = text.Length - at;
        return true;
    }
}
