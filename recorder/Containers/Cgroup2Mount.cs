namespace Capture.Recorder.Containers;

/// <summary>
/// Where the cgroup v2 hierarchy is mounted, found in /proc/self/mountinfo (the file system type "cgroup2"):
/// /sys/fs/cgroup on most hosts, /sys/fs/cgroup/unified on hybrid ones. Never assumed.
/// </summary>
public sealed record Cgroup2Mount(string MountPoint, string Root)
{
    /// <summary>The cgroup2 mount of this process's mount namespace, or null when there is none.</summary>
    public static Cgroup2Mount? Find(string mountInfoPath = "/proc/self/mountinfo")
    {
        try
        {
            return Parse(File.ReadLines(mountInfoPath));
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>
    /// The first cgroup2 line of mountinfo: "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPER",
    /// where ROOT and MOUNTPOINT escape spaces and other bytes as \ooo (octal).
    /// </summary>
    public static Cgroup2Mount? Parse(IEnumerable<string> mountInfoLines)
    {
        foreach (string line in mountInfoLines)
        {
            int separator = line.IndexOf(" - ", StringComparison.Ordinal);
            if (separator < 0)
                continue;
            string[] after = line[(separator + 3)..].Split(' ');
            string[] before = line[..separator].Split(' ');
            if (after[0] == "cgroup2" && before.Length >= 5)
                return new Cgroup2Mount(Unescape(before[4]), Unescape(before[3]));
        }
        return null;
    }

    /// <summary>
    /// The cgroup path (as /proc/PID/cgroup shows it, "/a/b") of a directory under the mount; a mount whose root is
    /// not the hierarchy's root (inside a cgroup namespace) prefixes its root.
    /// </summary>
    public string CgroupPathOf(string directory)
    {
        string relative = Path.GetRelativePath(MountPoint, directory);
        string inside = relative == "." ? "" : "/" + relative;
        string root = Root == "/" ? "" : Root;
        return root + inside is { Length: > 0 } path ? path : "/";
    }

    /// <summary>The directory of a cgroup path ("/a/b", relative to the mount's root), or of a directory already under the mount.</summary>
    public string DirectoryOf(string cgroupPathOrDirectory)
    {
        string full = Path.GetFullPath(cgroupPathOrDirectory);
        if (IsUnder(full, MountPoint))
            return full;
        string path = "/" + cgroupPathOrDirectory.Trim('/');
        if (Root != "/" && IsUnder(path, Root))
            path = path[Root.TrimEnd('/').Length..];
        return Path.GetFullPath(Path.Join(MountPoint, path.TrimStart('/')));
    }

    private static bool IsUnder(string path, string folder) =>
        path == folder || path.StartsWith(folder.TrimEnd('/') + "/", StringComparison.Ordinal);

    private static string Unescape(string field)
    {
        if (!field.Contains('\\'))
            return field;
        var bytes = new List<byte>(field.Length);
        for (int i = 0; i < field.Length; i++)
        {
            if (field[i] == '\\' && IsOctal(field, i + 1))
            {
                bytes.Add((byte)Convert.ToInt32(field.Substring(i + 1, 3), 8));
                i += 3;
            }
            else
                bytes.AddRange(System.Text.Encoding.UTF8.GetBytes(field[i].ToString()));
        }
        return System.Text.Encoding.UTF8.GetString(bytes.ToArray());
    }

    private static bool IsOctal(string s, int at) =>
        at + 3 <= s.Length && s.Skip(at).Take(3).All(c => c is >= '0' and <= '7');
}
