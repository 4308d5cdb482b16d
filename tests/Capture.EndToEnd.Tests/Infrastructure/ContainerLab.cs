using System.Diagnostics;
using Capture.Recorder.Containers;

namespace Capture.EndToEnd.Tests.Infrastructure;

/// <summary>
/// A container made by hand, as a runtime would make one: a network namespace of its own (`ip netns add`, loopback
/// up) and a cgroup v2 folder named as docker names its scopes (docker-ID.scope), under a parent folder of the test.
/// Processes started through it join the cgroup first, then enter the namespace. Dispose kills them, removes the
/// cgroup and the namespace, even when the test failed.
/// </summary>
public sealed class ContainerLab : IDisposable
{
    private readonly List<ChildProcess> _processes = [];

    public string NetNs { get; }
    public string CgroupDirectory { get; }
    /// <summary>The cgroup's path in the hierarchy, as /proc/PID/cgroup and the capture show it.</summary>
    public string CgroupPath { get; }
    public string ContainerId { get; }

    /// <summary>The inode number of the namespace, which the kernel program records per connection.</summary>
    public ulong NetNsInode { get; }

    private ContainerLab(string netNs, string cgroupDirectory, string cgroupPath, string containerId)
    {
        NetNs = netNs;
        CgroupDirectory = cgroupDirectory;
        CgroupPath = cgroupPath;
        ContainerId = containerId;
        Run("ip", "netns", "add", netNs);
        Run("ip", "netns", "exec", netNs, "ip", "link", "set", "lo", "up");
        // /run/netns/NAME is a bind mount of the namespace file: its inode number is the namespace's.
        NetNsInode = ulong.Parse(Run("stat", "-c", "%i", $"/run/netns/{netNs}").Trim(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Skips (or fails under CAPTURE_REQUIRE_TOOLS=1) without ip, python3, curl or a cgroup2 mount; the mount otherwise.</summary>
    public static Cgroup2Mount Require()
    {
        foreach (string tool in new[] { "ip", "python3", "curl" })
            if (!ToolOnPath(tool))
                SkipOrFail($"needs {tool} on PATH");
        return Cgroup2Mount.Find() ?? SkipOrFail<Cgroup2Mount>("needs a cgroup2 mount (/proc/self/mountinfo shows none)");
    }

    /// <summary>A new container under <paramref name="parentDirectory"/> (a cgroup folder the caller made and removes).</summary>
    public static ContainerLab Create(Cgroup2Mount mount, string parentDirectory)
    {
        string id = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        string directory = Path.Combine(parentDirectory, $"docker-{id}.scope");
        Directory.CreateDirectory(directory);
        try
        {
            return new ContainerLab($"capture-test-{id[..10]}", directory, mount.CgroupPathOf(directory), id);
        }
        catch
        {
            Directory.Delete(directory);
            throw;
        }
    }

    /// <summary>python3 -m http.server on 127.0.0.1:8080 inside the namespace, serving <paramref name="folder"/>; returns once it answers.</summary>
    public async Task StartHttpServerAsync(string folder)
    {
        _processes.Add(ChildProcess.Start("sh", ["-c", Inside("python3 -m http.server 8080 --bind 127.0.0.1")], workingDirectory: folder));
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (Exec("curl -s -o /dev/null http://127.0.0.1:8080/").ExitCode != 0)
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"the http.server in {NetNs} did not answer within 30 s");
            await Task.Delay(100);
        }
    }

    /// <summary>curl inside the container (its cgroup and namespace); returns the body.</summary>
    public string Curl(string url)
    {
        var (exit, stdout, stderr) = Exec($"curl -sS --fail --max-time 30 {url}");
        return exit == 0 ? stdout : throw new InvalidOperationException($"curl {url} in {NetNs} failed with {exit}: {stderr}");
    }

    public void Dispose()
    {
        foreach (var process in _processes)
        {
            process.Kill();
            process.WaitForExitAsync(TimeSpan.FromSeconds(10)).GetAwaiter().GetResult();
            process.Dispose();
        }
        for (int attempt = 0; Directory.Exists(CgroupDirectory); attempt++)
        {
            try
            {
                Directory.Delete(CgroupDirectory); // rmdir: a cgroup folder goes once no process is left in it
            }
            catch (IOException) when (attempt < 50)
            {
                Thread.Sleep(100);
            }
        }
        Run("ip", "netns", "delete", NetNs);
    }

    /// <summary>A shell command that joins the cgroup, then runs <paramref name="command"/> in the namespace.</summary>
    private string Inside(string command) => $"echo $$ > {CgroupDirectory}/cgroup.procs && exec ip netns exec {NetNs} {command}";

    private (int ExitCode, string Stdout, string Stderr) Exec(string command)
    {
        var start = new ProcessStartInfo("sh") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(Inside(command));
        using var process = Process.Start(start)!;
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, stdout, stderr.Result);
    }

    private static string Run(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (string a in args)
            start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        Task<string> error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return process.ExitCode == 0 ? output
            : throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed with {process.ExitCode}: {error.Result}");
    }

    private static bool ToolOnPath(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(dir => File.Exists(Path.Combine(dir, tool)));

    private static void SkipOrFail(string reason) => SkipOrFail<bool>(reason);

    private static T SkipOrFail<T>(string reason)
    {
        if (Environment.GetEnvironmentVariable("CAPTURE_REQUIRE_TOOLS") == "1")
            Assert.Fail($"CAPTURE_REQUIRE_TOOLS=1 but this test {reason}");
        Assert.Skip($"this test {reason} (set CAPTURE_REQUIRE_TOOLS=1 to make this a failure)");
        return default!;
    }
}
