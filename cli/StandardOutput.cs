using System.Text;
using Capture.Format.Output;

namespace Capture.Cli;

/// <summary>
/// Standard output whose write failures (`> /dev/full`, a closed pipe) are an <see cref="OutputException"/>:
/// one sentence and exit 5, not a stack trace.
/// </summary>
internal static class StandardOutput
{
    public const string Name = "standard output";

    /// <summary>Replaces Console.Out with the guarded stream, for every verb's text output.</summary>
    public static void Install() =>
        Console.SetOut(new StreamWriter(OpenStream(0), new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), 1 << 12) { AutoFlush = true });

    /// <param name="buffer">Bytes to buffer, for writers that do not buffer themselves (0 for none).</param>
    public static Stream OpenStream(int buffer)
    {
        Stream guarded = new GuardedOutputStream(Console.OpenStandardOutput(), Name);
        return buffer > 0 ? new BufferedStream(guarded, buffer) : guarded;
    }
}
