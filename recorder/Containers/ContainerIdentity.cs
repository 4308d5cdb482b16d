using System.Text.RegularExpressions;

namespace Capture.Recorder.Containers;

/// <summary>
/// What a cgroup path says about a container runtime and Kubernetes, by the shapes runtimes give their cgroups:
/// docker (systemd: docker-ID.scope; cgroupfs: /docker/ID), containerd's CRI (cri-containerd-ID.scope), CRI-O
/// (crio-ID.scope), podman (libpod-ID.scope), and the kubelet's pod cgroups (systemd: kubepods-…-podUID.slice with
/// '_' for '-'; cgroupfs: /kubepods/…/podUID/ID).
/// </summary>
public static partial class ContainerIdentity
{
    /// <summary>The container id (null when the path names none) and the pod UID (null outside Kubernetes).</summary>
    public static (string? ContainerId, string? PodUid) Parse(string cgroupPath)
    {
        string? container = null, pod = null;
        bool kubepods = cgroupPath.Contains("kubepods", StringComparison.Ordinal);
        string previous = "";
        foreach (string segment in cgroupPath.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (ScopeId().Match(segment) is { Success: true } scope)
                container = scope.Groups[1].Value;
            else if (FullId().IsMatch(segment) && (previous == "docker" || kubepods))
                container = segment;
            else if (kubepods && PodSegment().Match(segment) is { Success: true } podMatch)
                pod = podMatch.Groups[1].Value.Replace('_', '-');
            previous = segment;
        }
        return (container, pod);
    }

    [GeneratedRegex("^(?:docker|cri-containerd|crio|libpod)-([0-9a-f]{64})\\.scope$")]
    private static partial Regex ScopeId();

    [GeneratedRegex("^[0-9a-f]{64}$")]
    private static partial Regex FullId();

    [GeneratedRegex("^(?:kubepods-(?:[a-z]+-)*)?pod([0-9a-f]{8}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{12})(?:\\.slice)?$")]
    private static partial Regex PodSegment();
}
