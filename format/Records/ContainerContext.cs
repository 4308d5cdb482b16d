namespace Capture.Format.Records;

/// <summary>
/// Where the process of a connection lived when the connection was first seen (format 1.3): its cgroup v2
/// (id, and path in the cgroup hierarchy, "" when the recorder could not find it), its network namespace
/// (inode number), its process id inside its own pid namespace, and what the cgroup path says about a
/// container runtime and Kubernetes (null when the path does not say).
/// </summary>
public sealed record ContainerContext(
    ulong CgroupId,
    string CgroupPath,
    uint NetNsInode,
    int NamespacePid,
    string? ContainerId = null,
    string? PodUid = null,
    string? PodNamespace = null,
    string? PodName = null)
{
    /// <summary>"namespace/name" when the node said, else the pod's UID, else null.</summary>
    public string? Pod => PodNamespace is not null && PodName is not null ? $"{PodNamespace}/{PodName}" : PodUid;

    /// <summary>The cgroup as shown to a user: its path, or "#id" when the path is unknown.</summary>
    public string Cgroup => CgroupPath.Length > 0 ? CgroupPath : $"#{CgroupId}";

    /// <summary>Short container id, as docker ps shows it (12 characters).</summary>
    public string? ShortContainerId => ContainerId is { Length: > 12 } id ? id[..12] : ContainerId;
}
