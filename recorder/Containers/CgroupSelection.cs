using Capture.Recorder.Interop;

namespace Capture.Recorder.Containers;

/// <summary>
/// The cgroup directories a recording is limited to (--cgroup PATH, --container ID), resolved before the BPF
/// program loads; the kernel program then keeps processes in those cgroups and their descendants.
/// </summary>
public static class CgroupSelection
{
    /// <summary>The directories, each once, outermost first; empty when neither option was given.</summary>
    public static IReadOnlyList<string> Resolve(IReadOnlyList<string> cgroups, IReadOnlyList<string> containers, Cgroup2Mount? mount)
    {
        if (cgroups.Count == 0 && containers.Count == 0)
            return [];
        if (mount is null)
            throw new RecorderException("--cgroup and --container need cgroup v2, and /proc/self/mountinfo shows no cgroup2 mount.", RecorderFailure.Environment);
        var directories = new List<string>();
        foreach (string cgroup in cgroups)
        {
            string directory = mount.DirectoryOf(cgroup);
            if (!File.Exists(Path.Combine(directory, "cgroup.procs")))
                throw new RecorderException($"--cgroup {cgroup}: no such cgroup under the cgroup2 mount {mount.MountPoint}.", RecorderFailure.BadInput);
            directories.Add(directory);
        }
        foreach (string container in containers)
            directories.Add(ContainerDirectory(container, mount));
        var distinct = directories.Distinct(StringComparer.Ordinal).ToList();
        if (distinct.Count > KernelConstants.MaxCgroupFilters)
            throw new RecorderException($"--cgroup and --container select {distinct.Count} cgroups; the most is {KernelConstants.MaxCgroupFilters}.", RecorderFailure.BadInput);
        return distinct;
    }

    /// <summary>The outermost cgroup whose path names a container whose id starts with <paramref name="id"/>.</summary>
    private static string ContainerDirectory(string id, Cgroup2Mount mount)
    {
        string prefix = id.Trim().ToLowerInvariant();
        if (prefix.Length == 0 || !prefix.All(Uri.IsHexDigit))
            throw new RecorderException($"--container '{id}' is not a container id (hexadecimal, as docker ps or crictl ps show it).", RecorderFailure.BadInput);
        var matches = CgroupCatalog.Directories(mount.MountPoint)
            .Select(d => (Directory: d, Id: ContainerIdentity.Parse(mount.CgroupPathOf(d)).ContainerId))
            .Where(m => m.Id is not null && m.Id.StartsWith(prefix, StringComparison.Ordinal))
            .ToList();
        if (matches.Count == 0)
            throw new RecorderException($"--container {id}: no cgroup of a running container with that id under {mount.MountPoint}.", RecorderFailure.BadInput);
        if (matches.Select(m => m.Id).Distinct().Count() > 1)
            throw new RecorderException($"--container {id} matches several containers; give more of its id.", RecorderFailure.BadInput);
        return matches.Select(m => m.Directory).OrderBy(d => d.Length).First();
    }
}
