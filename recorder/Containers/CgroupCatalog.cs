using System.Globalization;
using Capture.Format.Records;
using Capture.Recorder.Interop;

namespace Capture.Recorder.Containers;

/// <summary>
/// Turns the cgroup id the kernel program saw into the cgroup's path and what the path says (container, pod),
/// once per cgroup. A cgroup v2 id is the inode number of its directory under the cgroup2 mount: the process's
/// own /proc/PID/cgroup names the likely directory (checked by its inode), else the mount is walked once for that id.
/// </summary>
public sealed class CgroupCatalog
{
    /// <summary>A bound on the walk, against a pathological hierarchy.</summary>
    private const int MaxWalkedDirectories = 200_000;

    private readonly Cgroup2Mount? _mount;
    private readonly PodDirectory _pods;
    private readonly string _procRoot;
    private readonly Dictionary<ulong, string> _paths = [];
    private readonly Dictionary<ulong, ContainerContext> _described = [];
    private readonly HashSet<ulong> _walkedFor = [];

    public CgroupCatalog(Cgroup2Mount? mount, PodDirectory? pods = null, string procRoot = "/proc")
    {
        _mount = mount;
        _pods = pods ?? new PodDirectory();
        _procRoot = procRoot;
    }

    /// <summary>The context of a connection first seen in process <paramref name="pid"/> of cgroup <paramref name="cgroupId"/>.</summary>
    public ContainerContext Describe(ulong cgroupId, int pid, uint netNsInode, int namespacePid)
    {
        if (!_described.TryGetValue(cgroupId, out var cgroup))
        {
            cgroup = DescribeCgroup(cgroupId, FindPath(cgroupId, pid));
            if (cgroup.CgroupPath.Length > 0)
                _described[cgroupId] = cgroup; // an unresolved one may resolve through another process later
        }
        return cgroup with { NetNsInode = netNsInode, NamespacePid = namespacePid };
    }

    private ContainerContext DescribeCgroup(ulong id, string path)
    {
        var (containerId, podUid) = ContainerIdentity.Parse(path);
        var pod = podUid is null ? null : _pods.Find(podUid);
        return new ContainerContext(id, path, 0, 0, containerId, podUid, pod?.Namespace, pod?.Name);
    }

    private string FindPath(ulong id, int pid)
    {
        if (_mount is null)
            return "";
        if (_paths.TryGetValue(id, out string? known))
            return known;
        if (FromProcess(id, pid) is { } path)
            return _paths[id] = path;
        if (_walkedFor.Add(id))
            Walk();
        return _paths.GetValueOrDefault(id, "");
    }

    /// <summary>The process's cgroup v2 line ("0::/path"), if its directory is the cgroup with this id.</summary>
    private string? FromProcess(ulong id, int pid)
    {
        string file = Path.Combine(_procRoot, pid.ToString(CultureInfo.InvariantCulture), "cgroup");
        try
        {
            foreach (string line in File.ReadLines(file))
            {
                if (!line.StartsWith("0::", StringComparison.Ordinal))
                    continue;
                string directory = _mount!.DirectoryOf(line[3..]);
                return LibC.InodeOf(directory) == id ? _mount.CgroupPathOf(directory) : null;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // the process is gone: walk instead
        }
        return null;
    }

    private void Walk()
    {
        foreach (string directory in Directories(_mount!.MountPoint).Take(MaxWalkedDirectories))
            if (LibC.InodeOf(directory) is { } inode)
                _paths.TryAdd(inode, _mount.CgroupPathOf(directory));
    }

    /// <summary>The mount and every directory under it (cgroups), skipping what cannot be read.</summary>
    internal static IEnumerable<string> Directories(string mountPoint) =>
        new[] { mountPoint }.Concat(Directory.EnumerateDirectories(mountPoint, "*",
            new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = 0 }));
}
