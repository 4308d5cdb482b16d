using System.Diagnostics;
using System.Reflection;
using System.Runtime.InteropServices;
using Capture.Recorder.Interop;

namespace Capture.Recorder.Tests;

/// <summary>
/// The C# mirrors in recorder/Interop/KernelStructs.cs must have exactly the layout of
/// bpf/capture_events.h: this compiles a small C program against the header with clang,
/// prints sizeof/offsetof of every field, and compares with the C# structs.
/// </summary>
public class StructLayoutTests
{
    private static readonly (string C, Type CSharp, (string C, string CSharp)[] Fields)[] Structs =
    [
        ("capture_event_header", typeof(KernelEventHeader),
            [("type", "Type"), ("tgid", "Tgid"), ("timestamp_ns", "TimestampNs"), ("conn_id", "ConnectionId")]),
        ("capture_conn_open_event", typeof(ConnectionOpenEvent),
            [("hdr", "Header"), ("fd", "Fd"), ("role", "Role"), ("source", "Source"), ("family", "Family"), ("local_port", "LocalPort"),
             ("remote_port", "RemotePort"), ("flags", "Flags"), ("reserved", "Reserved"), ("local_addr", "LocalAddress"), ("remote_addr", "RemoteAddress"), ("comm", "Comm"),
             ("connect_start_ns", "ConnectStartNs"), ("cgroup_id", "CgroupId"), ("netns_ino", "NetNsInode"), ("ns_pid", "NamespacePid")]),
        ("capture_data_event", typeof(DataEvent),
            [("hdr", "Header"), ("stream_offset", "StreamOffset"), ("cut_bytes", "CutBytes"), ("payload_len", "PayloadLength"),
             ("direction", "Direction"), ("flags", "Flags"), ("reserved", "Reserved")]),
        ("capture_conn_close_event", typeof(ConnectionCloseEvent),
            [("hdr", "Header"), ("bytes_sent", "BytesSent"), ("bytes_received", "BytesReceived")]),
        ("capture_sendfile_event", typeof(SendfileEvent),
            [("hdr", "Header"), ("stream_offset", "StreamOffset"), ("count", "Count"), ("file_offset", "FileOffset"), ("file_size", "FileSize"),
             ("ino", "Ino"), ("dev", "Dev"), ("i_mode", "Mode"), ("depth", "Depth"), ("path_complete", "PathComplete"), ("names", "Names")]),
        ("capture_config", typeof(KernelConfig),
            [("self_tgid", "SelfTgid"), ("max_bytes_per_call", "MaxBytesPerCall"), ("filter_pids", "FilterPids"),
             ("filter_comms", "FilterComms"), ("filter_ports", "FilterPorts"), ("all_tcp", "AllTcp"), ("wakeup_bytes", "WakeupBytes"),
             ("tls", "Tls"), ("data_path", "DataPath"), ("reserved", "Reserved"), ("filter_cgroups", "FilterCgroups")]),
        ("capture_counters", typeof(KernelCounters),
            [("ringbuf_full_events", "RingBufferFullEvents"), ("ringbuf_full_bytes", "RingBufferFullBytes"), ("cap_events", "CapEvents"),
             ("cap_bytes", "CapBytes"), ("read_fault_events", "ReadFaultEvents"), ("read_fault_bytes", "ReadFaultBytes"),
             ("tls_unattributed_events", "TlsUnattributedEvents"), ("tls_unattributed_bytes", "TlsUnattributedBytes")]),
    ];

    private static readonly (string C, long CSharp)[] Constants =
    [
        ("CAPTURE_CHUNK_MAX", KernelConstants.ChunkMax),
        ("CAPTURE_COMM_LEN", KernelConstants.CommLength),
        ("CAPTURE_MAX_CGROUP_FILTERS", KernelConstants.MaxCgroupFilters),
        ("CAPTURE_PATH_DEPTH", KernelConstants.PathDepth),
        ("CAPTURE_PATH_NAME", KernelConstants.PathNameLength),
        ("CAPTURE_EVENT_CONN_OPEN", (long)KernelEventType.ConnectionOpen),
        ("CAPTURE_EVENT_DATA", (long)KernelEventType.Data),
        ("CAPTURE_EVENT_CONN_CLOSE", (long)KernelEventType.ConnectionClose),
        ("CAPTURE_EVENT_SENDFILE", (long)KernelEventType.Sendfile),
        ("CAPTURE_DATA_READ_FAULT", DataEvent.FlagReadFault),
        ("CAPTURE_DATA_TLS", DataEvent.FlagTls),
        ("CAPTURE_DATA_NO_BUFFER", DataEvent.FlagNoBuffer),
        ("CAPTURE_PATH_SYSCALL", KernelConstants.DataPathSyscall),
        ("CAPTURE_PATH_SOCKET", KernelConstants.DataPathSocket),
        ("CAPTURE_CONN_TLS", ConnectionOpenEvent.FlagTls),
    ];

    [Fact]
    public void Every_mirror_has_the_size_and_field_offsets_of_the_C_header()
    {
        Dictionary<string, long> c = MeasureCLayout();
        foreach (var (cName, type, fields) in Structs)
        {
            Assert.Equal((cName, c[$"sizeof {cName}"]), (cName, (long)Marshal.SizeOf(type)));
            // The decoder reads events with MemoryMarshal, which uses the managed size: it must agree.
            int managed = (int)typeof(System.Runtime.CompilerServices.Unsafe).GetMethod("SizeOf")!.MakeGenericMethod(type).Invoke(null, null)!;
            Assert.Equal((cName, c[$"sizeof {cName}"]), (cName, (long)managed));
            foreach (var (cField, csField) in fields)
                Assert.Equal(($"{cName}.{cField}", c[$"offsetof {cName} {cField}"]), ($"{cName}.{cField}", (long)Marshal.OffsetOf(type, csField)));
            // No C# field that the table (and so the C header) does not know.
            var declared = type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic).Select(f => f.Name).Order();
            Assert.Equal(fields.Select(f => f.CSharp).Order(), declared);
        }
    }

    [Fact]
    public void Shared_constants_match_the_C_header()
    {
        Dictionary<string, long> c = MeasureCLayout();
        foreach (var (name, value) in Constants)
            Assert.Equal((name, c[name]), (name, value));
    }

    private static Dictionary<string, long> MeasureCLayout()
    {
        string header = Path.Combine(RepositoryRoot(), "bpf", "capture_events.h");
        Assert.True(File.Exists(header), $"{header} is missing");
        var program = new System.Text.StringBuilder();
        program.AppendLine("#include <stdio.h>\n#include <stddef.h>\n#include \"capture_events.h\"\nint main(void) {");
        foreach (var (cName, _, fields) in Structs)
        {
            program.AppendLine($"printf(\"sizeof {cName}=%zu\\n\", sizeof(struct {cName}));");
            foreach (var (cField, _) in fields)
                program.AppendLine($"printf(\"offsetof {cName} {cField}=%zu\\n\", offsetof(struct {cName}, {cField}));");
        }
        foreach (var (name, _) in Constants)
            program.AppendLine($"printf(\"{name}=%lld\\n\", (long long){name});");
        program.AppendLine("return 0; }");

        string dir = Directory.CreateTempSubdirectory("capture-layout-").FullName;
        try
        {
            string source = Path.Combine(dir, "layout.c");
            string binary = Path.Combine(dir, "layout");
            File.WriteAllText(source, program.ToString());
            Run("clang", "-Wall", "-Werror", "-I", Path.GetDirectoryName(header)!, source, "-o", binary);
            return Run(binary).Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(line => line.Split('='))
                .ToDictionary(p => p[0], p => long.Parse(p[1], System.Globalization.CultureInfo.InvariantCulture));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    internal static string Run(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in args)
            start.ArgumentList.Add(a);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {file}");
        string output = process.StandardOutput.ReadToEnd();
        string errors = process.StandardError.ReadToEnd();
        Assert.True(process.WaitForExit(60_000), $"{file} did not finish");
        Assert.True(process.ExitCode == 0, $"{file} failed ({process.ExitCode}): {errors}");
        return output;
    }

    internal static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Capture.sln")))
                return dir.FullName;
        throw new InvalidOperationException("Capture.sln not found above the test binaries.");
    }
}
