using System.Globalization;
using System.Runtime.InteropServices;
using Capture.Recorder.Interop;

namespace Capture.Recorder;

/// <summary>Checks, before anything is loaded, that this machine can record; each failure is one sentence.</summary>
internal static class EnvironmentCheck
{
    private const string BtfPath = "/sys/kernel/btf/vmlinux";
    private const string TraceFsPath = "/sys/kernel/tracing";
    private const int CapSysAdmin = 21;
    private const int CapPerfmon = 38;
    private const int CapBpf = 39;

    public static void EnsureReady()
    {
        if (!OperatingSystem.IsLinux())
            throw Fail("Recording works on Linux only.");
        if (!HasBpfCapabilities())
            throw Fail("Recording needs root (or the CAP_BPF and CAP_PERFMON capabilities); run it with sudo.");
        if (!File.Exists(BtfPath))
            throw Fail($"{BtfPath} is missing: this kernel has no BTF (CONFIG_DEBUG_INFO_BTF), which the BPF program needs.");
        if (!NativeLibrary.TryLoad(LibBpf.Library, out nint libbpf))
            throw Fail("libbpf.so.1 was not found; install the Debian package libbpf1.");
        NativeLibrary.Free(libbpf);
        EnsureTraceFs();
    }

    /// <summary>Effective capabilities from /proc/self/status: CAP_SYS_ADMIN, or CAP_BPF with CAP_PERFMON.</summary>
    private static bool HasBpfCapabilities()
    {
        foreach (string line in File.ReadLines("/proc/self/status"))
        {
            if (!line.StartsWith("CapEff:", StringComparison.Ordinal))
                continue;
            ulong caps = ulong.Parse(line.AsSpan(7).Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            bool Has(int cap) => (caps & (1UL << cap)) != 0;
            return Has(CapSysAdmin) || (Has(CapBpf) && Has(CapPerfmon));
        }
        return false;
    }

    /// <summary>libbpf finds tracepoint ids in tracefs; mount it where it is missing (as root may).</summary>
    private static void EnsureTraceFs()
    {
        if (Directory.Exists(Path.Combine(TraceFsPath, "events", "syscalls")))
            return;
        if (LibC.Mount("tracefs", TraceFsPath, "tracefs", 0, 0) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw Fail($"tracefs is not mounted at {TraceFsPath} and mounting it failed ({LibC.ErrorText(errno)}).");
        }
        if (!Directory.Exists(Path.Combine(TraceFsPath, "events", "syscalls")))
            throw Fail("This kernel has no syscall tracepoints (CONFIG_FTRACE_SYSCALLS), which the recorder needs.");
    }

    private static RecorderException Fail(string sentence) => new(sentence, RecorderFailure.Environment);
}
