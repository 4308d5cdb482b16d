using System.Runtime.InteropServices;

namespace Capture.EndToEnd.Tests.Infrastructure;

/// <summary>
/// Tests that load BPF programs call <see cref="Ensure"/> first. Without root, BTF, libbpf or the
/// built BPF object they are skipped with the reason, except when CAPTURE_REQUIRE_BPF=1 (CI):
/// then the same reason fails the test, so a broken CI machine cannot turn green by skipping.
/// </summary>
public static class BpfRequirement
{
    public const string RequireVariable = "CAPTURE_REQUIRE_BPF";

    public static void Ensure()
    {
        string? missing = MissingPiece();
        if (missing is null)
            return;
        if (Environment.GetEnvironmentVariable(RequireVariable) == "1")
            Assert.Fail($"{RequireVariable}=1 but this test cannot load BPF programs: {missing}");
        Assert.Skip($"needs BPF: {missing} (set {RequireVariable}=1 to make this a failure)");
    }

    /// <summary>Why BPF tests cannot run here, or null when they can.</summary>
    public static string? MissingPiece()
    {
        if (!OperatingSystem.IsLinux())
            return "not Linux";
        if (!Environment.IsPrivilegedProcess)
            return "not running as root";
        if (!File.Exists("/sys/kernel/btf/vmlinux"))
            return "the kernel has no BTF (/sys/kernel/btf/vmlinux)";
        if (!NativeLibrary.TryLoad("libbpf.so.1", out nint handle))
            return "libbpf.so.1 is not installed (Debian package libbpf1)";
        NativeLibrary.Free(handle);
        if (!File.Exists(Path.Combine(AppContext.BaseDirectory, "capture.bpf.o")))
            return "capture.bpf.o was not built next to the tests";
        return null;
    }
}
