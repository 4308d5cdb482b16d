using Capture.Recorder.Interop;

namespace Capture.Recorder;

/// <summary>Which kernel hooks carry the recorded bytes (see bpf/capture.bpf.c).</summary>
public enum DataPath
{
    /// <summary>The socket tracepoints when the kernel has them (Linux 6.3 and later), else the syscall tracepoints.</summary>
    Auto,
    /// <summary>tp_btf/sock_send_length and sock_recv_length: one program per socket call, state in socket storage.</summary>
    Socket,
    /// <summary>Syscall tracepoints, entry and exit of each call: any kernel with BTF.</summary>
    Syscall,
}

/// <summary>Chooses the data path for this kernel: the socket tracepoints exist when their BTF type does.</summary>
internal static class DataPathSelection
{
    /// <summary>The header/summary name of a resolved path: "socket" or "syscall".</summary>
    public static string Name(DataPath path) => path == DataPath.Socket ? "socket" : "syscall";

    public static DataPath Resolve(DataPath requested)
    {
        if (requested == DataPath.Syscall)
            return DataPath.Syscall;
        bool available = KernelHasSocketTracepoints();
        if (requested == DataPath.Socket && !available)
            throw new RecorderException("--data-path socket needs the sock_send_length and sock_recv_length tracepoints (Linux 6.3 or later); this kernel has none, use --data-path syscall.", RecorderFailure.Environment);
        return available ? DataPath.Socket : DataPath.Syscall;
    }

    /// <summary>A tp_btf program attaches to the BTF type btf_trace_NAME; the kernel has the tracepoint when vmlinux BTF has it.</summary>
    private static bool KernelHasSocketTracepoints()
    {
        const uint BtfKindTypedef = 8;
        nint btf = LibBpf.BtfLoadVmlinux();
        if (btf == 0 || btf == -1)
            return false;
        try
        {
            return LibBpf.BtfFindByNameKind(btf, "btf_trace_sock_send_length", BtfKindTypedef) > 0 &&
                   LibBpf.BtfFindByNameKind(btf, "btf_trace_sock_recv_length", BtfKindTypedef) > 0;
        }
        finally
        {
            LibBpf.BtfFree(btf);
        }
    }
}
