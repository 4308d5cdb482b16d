namespace Capture.Recorder.Containers;

/// <summary>
/// Pod namespace and name from the node itself, without an API call: the kubelet keeps each pod's logs under
/// /var/log/pods/NAMESPACE_NAME_UID (namespaces and names are DNS labels, so they hold no '_').
/// </summary>
public sealed class PodDirectory(string root = "/var/log/pods")
{
    private Dictionary<string, (string Namespace, string Name)>? _byUid;
    private readonly HashSet<string> _missed = [];

    /// <summary>The pod's namespace and name, or null when the node has no folder for it.</summary>
    public (string Namespace, string Name)? Find(string podUid)
    {
        if (_byUid is null || (!_byUid.ContainsKey(podUid) && _missed.Add(podUid)))
            _byUid = List(); // a pod started since the last listing: list again, once per unknown UID
        return _byUid.TryGetValue(podUid, out var pod) ? pod : null;
    }

    private Dictionary<string, (string, string)> List()
    {
        var pods = new Dictionary<string, (string, string)>(StringComparer.Ordinal);
        if (!Directory.Exists(root))
            return pods;
        try
        {
            foreach (string folder in Directory.EnumerateDirectories(root))
            {
                string[] parts = Path.GetFileName(folder).Split('_');
                if (parts is [{ Length: > 0 } ns, { Length: > 0 } name, { Length: > 0 } uid])
                    pods[uid] = (ns, name);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // unreadable: no names, the UID still says which pod
        }
        return pods;
    }
}
