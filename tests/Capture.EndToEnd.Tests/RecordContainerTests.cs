using System.Text.Json;
using Capture.EndToEnd.Tests.Cli;
using Capture.EndToEnd.Tests.Infrastructure;
using Capture.Format.Records;

namespace Capture.EndToEnd.Tests;

/// <summary>
/// Two "containers" (each its own network namespace and cgroup v2 folder, as docker makes them), each running
/// python's http.server on the same 127.0.0.1:8080 and curl against it, recorded by the real recorder.
/// </summary>
public class RecordContainerTests
{
    private const int RequestsPerContainer = 3;

    [Fact]
    public async Task Servers_on_the_same_address_in_two_containers_are_told_apart_and_cgroup_and_container_select_one()
    {
        BpfRequirement.Ensure();
        var mount = ContainerLab.Require();
        string parent = Path.Combine(mount.MountPoint, $"capture-test-{Guid.NewGuid():N}");
        Directory.CreateDirectory(parent);
        try
        {
            using var a = ContainerLab.Create(mount, parent);
            using var b = ContainerLab.Create(mount, parent);
            using var siteA = new ScratchDirectory();
            using var siteB = new ScratchDirectory();
            await File.WriteAllTextAsync(siteA.File("which.txt"), "container a\n", TestContext.Current.CancellationToken);
            await File.WriteAllTextAsync(siteB.File("which.txt"), "container b\n", TestContext.Current.CancellationToken);
            await a.StartHttpServerAsync(siteA.Path);
            await b.StartHttpServerAsync(siteB.Path);

            // Three recordings of the same traffic: everything on port 8080, only a's cgroup, only b's container.
            using var all = await RecordingSession.StartAsync("--port", "8080");
            using var onlyA = await RecordingSession.StartAsync("--port", "8080", "--cgroup", a.CgroupPath);
            using var onlyB = await RecordingSession.StartAsync("--port", "8080", "--container", b.ContainerId[..12]);
            for (int i = 0; i < RequestsPerContainer; i++)
            {
                Assert.Equal("container a\n", a.Curl("http://127.0.0.1:8080/which.txt"));
                Assert.Equal("container b\n", b.Curl("http://127.0.0.1:8080/which.txt"));
            }
            var allResult = await all.StopAsync();
            var aResult = await onlyA.StopAsync();
            var bResult = await onlyB.StopAsync();

            // Recorded together: each exchange (one per request: both ends are in one namespace, so they pair up)
            // carries its own container's namespace, cgroup and container id, told apart by what the server answered.
            using (var har = HarOfCapture.Convert(allResult.CapturePath))
            {
                var byBody = har.Entries.GroupBy(e => System.Text.Encoding.UTF8.GetString(HarOfCapture.ResponseBody(e))).ToDictionary(g => g.Key, g => g.ToList());
                Assert.Equal(["container a\n", "container b\n"], byBody.Keys.Order());
                foreach (var (lab, entries) in new[] { (a, byBody["container a\n"]), (b, byBody["container b\n"]) })
                {
                    Assert.Equal(RequestsPerContainer, entries.Count);
                    Assert.All(entries, e =>
                    {
                        Assert.Equal(lab.NetNsInode, e.GetProperty("_netns").GetUInt64());
                        Assert.Equal(lab.CgroupPath, e.GetProperty("_cgroup").GetString());
                        Assert.Equal(lab.ContainerId, e.GetProperty("_container").GetString());
                        Assert.Equal("http://127.0.0.1:8080/which.txt", HarOfCapture.Url(e));
                    });
                }
            }
            var opened = allResult.Read().Connections.Select(c => c.Opened).ToList();
            Assert.Equal(4 * RequestsPerContainer, opened.Count);
            Assert.All(opened, o => Assert.NotNull(o.Container));
            // Each process's pid inside its pid namespace: no pid namespace here, so the same as the host's.
            Assert.All(opened, o => Assert.Equal(o.Pid, o.Container!.NamespacePid));

            // --cgroup and --container: only that container's connections reach the file.
            AssertOnly(aResult, a);
            AssertOnly(bResult, b);

            // inspect lists the cgroups with their containers; ls shows the container's short id.
            var inspect = await CaptureCli.RunAsync("inspect", allResult.CapturePath, "--json");
            using var summary = JsonDocument.Parse(inspect.Stdout);
            var cgroups = summary.RootElement.GetProperty("cgroups").EnumerateArray().ToList();
            Assert.Equal(new[] { a.CgroupPath, b.CgroupPath }.Order(StringComparer.Ordinal),
                cgroups.Select(c => c.GetProperty("path").GetString()!).Order(StringComparer.Ordinal));
            Assert.Equal(new[] { a.ContainerId, b.ContainerId }.Order(StringComparer.Ordinal),
                cgroups.Select(c => c.GetProperty("containerId").GetString()!).Order(StringComparer.Ordinal));
            Assert.All(cgroups, c => Assert.Equal(2 * RequestsPerContainer, c.GetProperty("connections").GetInt32()));
            var ls = await CaptureCli.RunAsync("ls", allResult.CapturePath);
            Assert.Equal(RequestsPerContainer, ls.Stdout.Split('\n').Count(l => l.Contains("@" + a.ContainerId[..12], StringComparison.Ordinal)));
            Assert.Equal(RequestsPerContainer, ls.Stdout.Split('\n').Count(l => l.Contains("@" + b.ContainerId[..12], StringComparison.Ordinal)));
        }
        finally
        {
            Directory.Delete(parent);
        }
    }

    private static void AssertOnly(RecordingResult result, ContainerLab lab)
    {
        var connections = result.Read().Connections;
        Assert.Equal(2 * RequestsPerContainer, connections.Count); // curl's end and the server's end of each request
        Assert.All(connections, c =>
        {
            Assert.Equal(lab.CgroupPath, c.Opened.Container?.CgroupPath);
            Assert.Equal(lab.NetNsInode, (ulong)c.Opened.Container!.NetNsInode);
        });
        using var har = HarOfCapture.Convert(result.CapturePath);
        Assert.Equal(RequestsPerContainer, har.Entries.Count);
    }
}
