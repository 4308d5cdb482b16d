using Capture.Recorder.Containers;

namespace Capture.Recorder.Tests;

public class ContainerIdentityTests
{
    private const string Id = "3f2a1b9c0d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8";
    private const string Uid = "0b7e6c2a-1d3f-4e5a-9b8c-7d6e5f4a3b2c";

    [Theory]
    [InlineData("/system.slice/docker-" + Id + ".scope", Id, null)]
    [InlineData("/docker/" + Id, Id, null)]
    [InlineData("/system.slice/crio-" + Id + ".scope", Id, null)]
    [InlineData("/machine.slice/libpod-" + Id + ".scope/container", Id, null)]
    [InlineData("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod0b7e6c2a_1d3f_4e5a_9b8c_7d6e5f4a3b2c.slice/cri-containerd-" + Id + ".scope", Id, Uid)]
    [InlineData("/kubepods.slice/kubepods-pod0b7e6c2a_1d3f_4e5a_9b8c_7d6e5f4a3b2c.slice/crio-" + Id + ".scope", Id, Uid)]
    [InlineData("/kubepods/besteffort/pod" + Uid + "/" + Id, Id, Uid)]
    [InlineData("/kubepods/burstable/pod" + Uid, null, Uid)]
    [InlineData("/system.slice/crio-conmon-" + Id + ".scope", null, null)]
    [InlineData("/user.slice/user-0.slice/session-1.scope", null, null)]
    [InlineData("/" + Id, null, null)]
    [InlineData("/", null, null)]
    public void Runtime_path_shapes_give_the_container_and_pod(string path, string? container, string? pod) =>
        Assert.Equal((container, pod), ContainerIdentity.Parse(path));

    [Fact]
    public void The_cgroup2_mount_comes_from_mountinfo_with_its_escapes()
    {
        string[] lines =
        [
            "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755",
            "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu",
            "41 31 0:38 / /sys/fs/cgroup/uni\\040fied rw,relatime shared:9 - cgroup2 cgroup2 rw",
        ];
        var mount = Cgroup2Mount.Parse(lines);
        Assert.Equal(new Cgroup2Mount("/sys/fs/cgroup/uni fied", "/"), mount);
        Assert.Equal("/a/b", mount!.CgroupPathOf("/sys/fs/cgroup/uni fied/a/b"));
        Assert.Equal("/", mount.CgroupPathOf("/sys/fs/cgroup/uni fied"));
        Assert.Equal("/sys/fs/cgroup/uni fied/a/b", mount.DirectoryOf("/a/b"));
        Assert.Equal("/sys/fs/cgroup/uni fied/a/b", mount.DirectoryOf("/sys/fs/cgroup/uni fied/a/b"));
        Assert.Null(Cgroup2Mount.Parse(lines[..2]));
    }

    [Fact]
    public void A_mount_inside_a_cgroup_namespace_prefixes_its_root()
    {
        var mount = new Cgroup2Mount("/sys/fs/cgroup", "/kubepods/pod1");
        Assert.Equal("/kubepods/pod1/x", mount.CgroupPathOf("/sys/fs/cgroup/x"));
        Assert.Equal("/sys/fs/cgroup/x", mount.DirectoryOf("/kubepods/pod1/x"));
    }

    [Fact]
    public void Pod_namespace_and_name_come_from_the_kubelet_log_folders()
    {
        string root = Directory.CreateTempSubdirectory("capture-pods-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(root, $"shop_orders-api-7d9f_{Uid}"));
            Directory.CreateDirectory(Path.Combine(root, "not-a-pod-folder"));
            var pods = new PodDirectory(root);
            Assert.Equal(("shop", "orders-api-7d9f"), pods.Find(Uid));
            Assert.Null(pods.Find("11111111-2222-3333-4444-555555555555"));
            // A pod that appears later is found by listing again.
            Directory.CreateDirectory(Path.Combine(root, "default_later_99999999-2222-3333-4444-555555555555"));
            Assert.Equal(("default", "later"), pods.Find("99999999-2222-3333-4444-555555555555"));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
