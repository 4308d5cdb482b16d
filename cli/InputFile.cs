namespace Capture.Cli;

/// <summary>The one check every verb makes on a file it reads: it exists and is not a directory (exit 3 otherwise).</summary>
internal static class InputFile
{
    /// <param name="what">What the file should be, for the sentence: "a capture file", "a HAR or capture file", …</param>
    public static string Require(string path, string what)
    {
        if (Directory.Exists(path))
            throw new UserError($"{path} is a directory, not {what}.", ExitCodes.BadInput);
        if (!File.Exists(path))
            throw new UserError($"File not found: {path}.", ExitCodes.BadInput);
        return path;
    }
}
