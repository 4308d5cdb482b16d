using System.Runtime.InteropServices;
using System.Text;
using Capture.Recorder.Interop;

namespace Capture.Recorder;

/// <summary>
/// The loaded BPF object: opened, configured (read-only config and ring size before load,
/// filter maps after load), then attached. Disposing detaches every program and frees the object.
/// </summary>
internal sealed unsafe class KernelProgram : IDisposable
{
    private readonly BpfObjectHandle _object;
    private readonly List<BpfLinkHandle> _links = [];
    private readonly nint _countersMap;
    private readonly int _cpuCount;

    public int EventsMapFd { get; }

    /// <summary>The data path whose programs are loaded (never Auto).</summary>
    public DataPath DataPath { get; }

    private KernelProgram(BpfObjectHandle obj, int eventsMapFd, nint countersMap, DataPath dataPath)
    {
        _object = obj;
        DataPath = dataPath;
        EventsMapFd = eventsMapFd;
        _countersMap = countersMap;
        _cpuCount = Math.Max(1, LibBpf.NumPossibleCpus());
    }

    /// <summary>Opens, configures and loads the object with the programs of <paramref name="dataPath"/> (Socket or Syscall).</summary>
    public static KernelProgram Load(string objectPath, RecorderOptions options, DataPath dataPath, IReadOnlyList<string> cgroups)
    {
        if (!File.Exists(objectPath))
            throw new RecorderException($"The BPF object {objectPath} is missing; rebuild the tool (make -C bpf).", RecorderFailure.Environment);
        if (Environment.GetEnvironmentVariable("CAPTURE_DEBUG") != "1")
            LibBpf.SetPrint(0); // libbpf's own log goes to stderr; our errors say it in one sentence

        nint raw = LibBpf.ObjectOpenFile(objectPath, 0);
        if (raw == 0)
            throw Refused($"libbpf could not open {objectPath}", Marshal.GetLastPInvokeError());
        var obj = new BpfObjectHandle(raw);
        try
        {
            Configure(raw, options, dataPath, cgroups.Count);
            SelectPrograms(raw, dataPath);
            int err = LibBpf.ObjectLoad(raw);
            if (err != 0)
                throw Refused("The kernel refused to load the BPF program", err);
            nint events = FindMap(raw, "events");
            var program = new KernelProgram(obj, LibBpf.MapFd(events), FindMap(raw, "counters"), dataPath);
            program.FillFilters(raw, options);
            FillCgroupFilter(raw, cgroups);
            return program;
        }
        catch
        {
            obj.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Attaches every program by its SEC() name (tracepoint/syscalls/...), except the OpenSSL uprobes:
    /// they need a library path, see <see cref="AttachUprobe"/>.
    /// </summary>
    public void Attach()
    {
        nint obj = _object.DangerousGetHandle();
        for (nint prog = LibBpf.ObjectNextProgram(obj, 0); prog != 0; prog = LibBpf.ObjectNextProgram(obj, prog))
        {
            if (IsUprobe(prog) || !LibBpf.ProgramAutoload(prog))
                continue; // uprobes: see AttachUprobe; not loaded: the other data path's
            nint link = LibBpf.ProgramAttach(prog);
            if (link == 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                string name = Marshal.PtrToStringUTF8(LibBpf.ProgramName(prog)) ?? "?";
                throw Refused($"Attaching the BPF program {name} failed", errno);
            }
            _links.Add(new BpfLinkHandle(link));
        }
    }

    /// <summary>
    /// Attaches the uprobe program <paramref name="program"/> to <paramref name="function"/> of the ELF file at
    /// <paramref name="binaryPath"/> (or, with a null function, at file offset <paramref name="offset"/>), in process
    /// <paramref name="pid"/> or (-1) in every process that maps it. Returns 0 or the errno (ENOENT: no such symbol).
    /// </summary>
    public int AttachUprobe(string program, string binaryPath, string? function, bool returnProbe, int pid = -1, ulong offset = 0)
    {
        nint prog = LibBpf.ObjectFindProgramByName(_object.DangerousGetHandle(), program);
        if (prog == 0)
            throw new RecorderException($"The BPF object has no program named {program}; it does not belong to this version of the tool.", RecorderFailure.Environment);
        nint name = function is null ? 0 : Marshal.StringToCoTaskMemUTF8(function);
        try
        {
            var opts = new LibBpf.UprobeOptions
            {
                Size = (nuint)sizeof(LibBpf.UprobeOptions),
                RetProbe = (byte)(returnProbe ? 1 : 0),
                FunctionName = name,
            };
            nint link = LibBpf.ProgramAttachUprobe(prog, pid, binaryPath, (nuint)offset, &opts);
            if (link == 0)
                return Math.Abs(Marshal.GetLastPInvokeError());
            _links.Add(new BpfLinkHandle(link));
            return 0;
        }
        finally
        {
            if (name != 0)
                Marshal.FreeCoTaskMem(name);
        }
    }

    private static bool IsUprobe(nint prog) =>
        Marshal.PtrToStringUTF8(LibBpf.ProgramSectionName(prog)) is { } section &&
        (section.StartsWith("uprobe", StringComparison.Ordinal) || section.StartsWith("uretprobe", StringComparison.Ordinal));

    /// <summary>Detaches all programs: no new events after this returns.</summary>
    public void Detach()
    {
        foreach (var link in _links)
            link.Dispose();
        _links.Clear();
    }

    /// <summary>The loss counters summed over all CPUs.</summary>
    public KernelCounters ReadCounters()
    {
        int stride = (sizeof(KernelCounters) + 7) & ~7;
        byte[] buffer = new byte[stride * _cpuCount];
        uint key = 0;
        var total = new KernelCounters();
        fixed (byte* values = buffer)
        {
            if (LibBpf.MapLookupElem(_countersMap, &key, sizeof(uint), values, (nuint)buffer.Length, 0) != 0)
                return total;
            for (int cpu = 0; cpu < _cpuCount; cpu++)
            {
                var c = *(KernelCounters*)(values + cpu * stride);
                total.RingBufferFullEvents += c.RingBufferFullEvents;
                total.RingBufferFullBytes += c.RingBufferFullBytes;
                total.CapEvents += c.CapEvents;
                total.CapBytes += c.CapBytes;
                total.ReadFaultEvents += c.ReadFaultEvents;
                total.ReadFaultBytes += c.ReadFaultBytes;
                total.TlsUnattributedEvents += c.TlsUnattributedEvents;
                total.TlsUnattributedBytes += c.TlsUnattributedBytes;
            }
        }
        return total;
    }

    public void Dispose()
    {
        Detach();
        _object.Dispose();
    }

    /// <summary>
    /// Loads only the chosen path's programs: tp_btf/ for the socket path, the syscall and
    /// tracepoint/sock/ programs for the syscall path (a kernel without the socket tracepoints
    /// would refuse to load a tp_btf program naming them). The rest (exec, uprobes) serves both.
    /// </summary>
    private static void SelectPrograms(nint obj, DataPath dataPath)
    {
        for (nint prog = LibBpf.ObjectNextProgram(obj, 0); prog != 0; prog = LibBpf.ObjectNextProgram(obj, prog))
        {
            string section = Marshal.PtrToStringUTF8(LibBpf.ProgramSectionName(prog)) ?? "";
            bool socketOnly = section.StartsWith("tp_btf/", StringComparison.Ordinal);
            bool syscallOnly = section.StartsWith("tracepoint/syscalls/", StringComparison.Ordinal) ||
                               section.StartsWith("tracepoint/sock/", StringComparison.Ordinal);
            bool load = dataPath == DataPath.Socket ? !syscallOnly : !socketOnly;
            int err = LibBpf.ProgramSetAutoload(prog, load);
            if (err != 0)
                throw Refused("Selecting the BPF programs failed", err);
        }
        if (dataPath == DataPath.Socket)
        {
            // The fd-keyed connection table of the syscall path is not used: do not reserve its memory.
            int err = LibBpf.MapSetMaxEntries(FindMap(obj, "conns"), 1);
            if (err != 0)
                throw Refused("Sizing the connection table failed", err);
        }
    }

    private static void Configure(nint obj, RecorderOptions options, DataPath dataPath, int cgroupFilters)
    {
        var config = new KernelConfig
        {
            SelfTgid = (uint)Environment.ProcessId,
            MaxBytesPerCall = options.MaxBytesPerCall,
            FilterPids = (byte)(options.Pids.Count > 0 ? 1 : 0),
            FilterComms = (byte)(options.ProcessNames.Count > 0 ? 1 : 0),
            FilterPorts = (byte)(options.Ports.Count > 0 ? 1 : 0),
            AllTcp = (byte)(options.AllTcp ? 1 : 0),
            WakeupBytes = WakeupThreshold(RingBufferSize(options.RingBufferBytes)),
            Tls = (byte)(options.Tls != TlsMode.Off ? 1 : 0),
            DataPath = dataPath == DataPath.Socket ? KernelConstants.DataPathSocket : KernelConstants.DataPathSyscall,
            FilterCgroups = (uint)cgroupFilters,
        };
        int err = LibBpf.MapSetInitialValue(FindMap(obj, ".rodata.config"), &config, (nuint)sizeof(KernelConfig));
        if (err != 0)
            throw Refused("Configuring the BPF program failed", err);
        err = LibBpf.MapSetMaxEntries(FindMap(obj, "events"), RingBufferSize(options.RingBufferBytes));
        if (err != 0)
            throw Refused("Sizing the ring buffer failed", err);
    }

    /// <summary>
    /// The reader is woken when this much waits: 256 KiB, or a quarter of a smaller ring, so that
    /// a burst never fills the ring while the reader sleeps out its poll timeout.
    /// </summary>
    internal static uint WakeupThreshold(uint ringSize) => Math.Min(256u << 10, ringSize / 4);

    /// <summary>A power of two of at least one page, as the kernel requires of a ring buffer.</summary>
    internal static uint RingBufferSize(uint requested)
    {
        uint size = Math.Max(requested, (uint)Environment.SystemPageSize);
        return System.Numerics.BitOperations.RoundUpToPowerOf2(size);
    }

    private void FillFilters(nint obj, RecorderOptions options)
    {
        byte one = 1;
        nint pids = FindMap(obj, "filter_pids");
        foreach (int pid in options.Pids)
        {
            uint pidKey = (uint)pid;
            Update(pids, &pidKey, sizeof(uint), &one);
        }
        nint comms = FindMap(obj, "filter_comms");
        byte* key = stackalloc byte[KernelConstants.CommLength];
        foreach (string name in options.ProcessNames)
        {
            new Span<byte>(key, KernelConstants.CommLength).Clear();
            // The kernel keeps 15 bytes of a process name plus a NUL.
            byte[] utf8 = Encoding.UTF8.GetBytes(name);
            utf8.AsSpan(0, Math.Min(utf8.Length, KernelConstants.CommLength - 1)).CopyTo(new Span<byte>(key, KernelConstants.CommLength));
            Update(comms, key, KernelConstants.CommLength, &one);
        }
        nint ports = FindMap(obj, "filter_ports");
        foreach (int port in options.Ports)
        {
            ushort portKey = (ushort)port;
            Update(ports, &portKey, sizeof(ushort), &one);
        }
    }

    /// <summary>Puts each selected cgroup directory, as an fd, into filter_cgroups (bpf/cgroup_filter.bpf.h); the map keeps its own reference.</summary>
    private static void FillCgroupFilter(nint obj, IReadOnlyList<string> cgroups)
    {
        nint map = FindMap(obj, "filter_cgroups");
        for (int i = 0; i < cgroups.Count; i++)
        {
            int fd = LibC.Open(cgroups[i], LibC.OpenReadOnlyDirectory);
            if (fd < 0)
                throw new RecorderException($"Opening the cgroup {cgroups[i]} failed: {LibC.ErrorText(Marshal.GetLastPInvokeError())}.", RecorderFailure.BadInput);
            try
            {
                uint key = (uint)i, value = (uint)fd;
                int err = LibBpf.MapUpdateElem(map, &key, sizeof(uint), &value, sizeof(uint), 0);
                if (err != 0)
                    throw Refused($"Selecting the cgroup {cgroups[i]} failed", err);
            }
            finally
            {
                LibC.Close(fd);
            }
        }
    }

    private static void Update(nint map, void* key, int keySize, byte* value)
    {
        int err = LibBpf.MapUpdateElem(map, key, (nuint)keySize, value, 1, 0);
        if (err != 0)
            throw Refused("Filling the BPF filter maps failed", err);
    }

    private static nint FindMap(nint obj, string name)
    {
        nint map = LibBpf.ObjectFindMapByName(obj, name);
        if (map == 0)
            throw new RecorderException($"The BPF object has no map named {name}; it does not belong to this version of the tool.", RecorderFailure.Environment);
        return map;
    }

    private static RecorderException Refused(string what, int error)
    {
        int errno = Math.Abs(error);
        string hint = errno is 1 or 13 ? " (is BPF restricted, for example by lockdown or a container?)" : "";
        return new RecorderException($"{what}: {LibC.ErrorText(errno)}{hint}.", RecorderFailure.Environment);
    }
}
