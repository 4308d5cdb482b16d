namespace Capture.Format.Output;

/// <summary>An output could not be written (full disk, no permission, a directory named as a file). The message is one sentence for the user.</summary>
public sealed class OutputException(string message, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>The sentence for a failed write to <paramref name="name"/>: the OS's reason, without its trailing period.</summary>
    public static OutputException CannotWrite(string name, Exception e) =>
        new($"Cannot write {name}: {Reason(e)}.", e);

    /// <summary>Why a write failed, in the OS's words, without the temporary path .NET appends (" : 'path'").</summary>
    public static string Reason(Exception e) => e switch
    {
        UnauthorizedAccessException => "permission denied",
        DirectoryNotFoundException => "its directory does not exist",
        _ => StripPath(e.Message).TrimEnd('.'),
    };

    private static string StripPath(string message)
    {
        int at = message.IndexOf(" : '", StringComparison.Ordinal);
        return at > 0 ? message[..at] : message;
    }
}
