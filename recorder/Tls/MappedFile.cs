using System.Globalization;

namespace Capture.Recorder.Tls;

/// <summary>A mapped file as /proc/PID/maps names it: its device ("08:01") and inode, the same for every path to it.</summary>
internal readonly record struct MappedFile(string Device, ulong Inode)
{
    /// <summary>From a maps line "start-end perms offset dev inode path"; null when the fields are not there.</summary>
    public static MappedFile? Parse(string line)
    {
        string[] fields = line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
        return fields.Length >= 5 && ulong.TryParse(fields[4], NumberStyles.None, CultureInfo.InvariantCulture, out ulong inode) && inode != 0
            ? new MappedFile(fields[3], inode)
            : null;
    }
}
