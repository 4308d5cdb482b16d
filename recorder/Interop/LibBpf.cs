using System.Runtime.InteropServices;

namespace Capture.Recorder.Interop;

/// <summary>
/// The libbpf 1.x functions the recorder uses (Debian package libbpf1). Pointer-returning
/// functions return null and set errno; int-returning ones return a negative errno.
/// </summary>
internal static unsafe partial class LibBpf
{
    public const string Library = "libbpf.so.1";

    [LibraryImport(Library, EntryPoint = "bpf_object__open_file", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial nint ObjectOpenFile(string path, nint opts);

    [LibraryImport(Library, EntryPoint = "bpf_object__load")]
    public static partial int ObjectLoad(nint obj);

    [LibraryImport(Library, EntryPoint = "bpf_object__close")]
    public static partial void ObjectClose(nint obj);

    [LibraryImport(Library, EntryPoint = "bpf_object__find_map_by_name", StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint ObjectFindMapByName(nint obj, string name);

    [LibraryImport(Library, EntryPoint = "bpf_object__find_program_by_name", StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint ObjectFindProgramByName(nint obj, string name);

    [LibraryImport(Library, EntryPoint = "bpf_object__next_program")]
    public static partial nint ObjectNextProgram(nint obj, nint previous);

    [LibraryImport(Library, EntryPoint = "bpf_program__name")]
    public static partial nint ProgramName(nint prog);

    [LibraryImport(Library, EntryPoint = "bpf_program__attach", SetLastError = true)]
    public static partial nint ProgramAttach(nint prog);

    [LibraryImport(Library, EntryPoint = "bpf_program__section_name")]
    public static partial nint ProgramSectionName(nint prog);

    /// <summary>pid -1: every process that maps the file; func_name is resolved from the file's ELF symbols.</summary>
    [LibraryImport(Library, EntryPoint = "bpf_program__attach_uprobe_opts", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial nint ProgramAttachUprobe(nint prog, int pid, string binaryPath, nuint functionOffset, UprobeOptions* opts);

    [LibraryImport(Library, EntryPoint = "bpf_link__destroy")]
    public static partial int LinkDestroy(nint link);

    [LibraryImport(Library, EntryPoint = "bpf_map__set_max_entries")]
    public static partial int MapSetMaxEntries(nint map, uint maxEntries);

    [LibraryImport(Library, EntryPoint = "bpf_map__set_initial_value")]
    public static partial int MapSetInitialValue(nint map, void* data, nuint size);

    [LibraryImport(Library, EntryPoint = "bpf_map__fd")]
    public static partial int MapFd(nint map);

    [LibraryImport(Library, EntryPoint = "bpf_map__update_elem")]
    public static partial int MapUpdateElem(nint map, void* key, nuint keySize, void* value, nuint valueSize, ulong flags);

    [LibraryImport(Library, EntryPoint = "bpf_map__lookup_elem")]
    public static partial int MapLookupElem(nint map, void* key, nuint keySize, void* value, nuint valueSize, ulong flags);

    [LibraryImport(Library, EntryPoint = "ring_buffer__new", SetLastError = true)]
    public static partial nint RingBufferNew(int mapFd, delegate* unmanaged[Cdecl]<nint, nint, nuint, int> sample, nint ctx, nint opts);

    [LibraryImport(Library, EntryPoint = "ring_buffer__poll")]
    public static partial int RingBufferPoll(nint ringBuffer, int timeoutMs);

    [LibraryImport(Library, EntryPoint = "ring_buffer__consume")]
    public static partial int RingBufferConsume(nint ringBuffer);

    [LibraryImport(Library, EntryPoint = "ring_buffer__free")]
    public static partial void RingBufferFree(nint ringBuffer);

    [LibraryImport(Library, EntryPoint = "libbpf_num_possible_cpus")]
    public static partial int NumPossibleCpus();

    /// <summary>libbpf's struct bpf_uprobe_opts (libbpf 1.x, 64-bit).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct UprobeOptions
    {
        public nuint Size;
        public nuint RefCounterOffset;
        public ulong Cookie;
        public byte RetProbe; // C bool
        public nint FunctionName; // const char *
    }

    [LibraryImport(Library, EntryPoint = "bpf_program__set_autoload")]
    [return: MarshalAs(UnmanagedType.I4)]
    public static partial int ProgramSetAutoload(nint prog, [MarshalAs(UnmanagedType.U1)] bool autoload);

    [LibraryImport(Library, EntryPoint = "bpf_program__autoload")]
    [return: MarshalAs(UnmanagedType.U1)]
    public static partial bool ProgramAutoload(nint prog);

    [LibraryImport(Library, EntryPoint = "btf__load_vmlinux_btf")]
    public static partial nint BtfLoadVmlinux();

    [LibraryImport(Library, EntryPoint = "btf__find_by_name_kind", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int BtfFindByNameKind(nint btf, string name, uint kind);

    [LibraryImport(Library, EntryPoint = "btf__free")]
    public static partial void BtfFree(nint btf);

    /// <summary>Replaces libbpf's printer; null silences it.</summary>
    [LibraryImport(Library, EntryPoint = "libbpf_set_print")]
    public static partial nint SetPrint(nint printFunction);
}
