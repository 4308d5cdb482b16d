using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Capture.Recorder.Interop;

// C# mirrors of bpf/capture_events.h. Field order, types and padding must match the C
// layout exactly; tests/Capture.Recorder.Tests compiles the header and compares.

internal static class KernelConstants
{
    public const int ChunkMax = 16384;
    public const int CommLength = 16;
    public const int MaxCgroupFilters = 64;
    public const int PathDepth = 16;
    public const int PathNameLength = 64;
    public const byte DataPathSyscall = 0;
    public const byte DataPathSocket = 1;
}

internal enum KernelEventType : uint
{
    ConnectionOpen = 1,
    Data = 2,
    ConnectionClose = 3,
    Sendfile = 4,
}

[StructLayout(LayoutKind.Sequential)]
internal struct KernelEventHeader
{
    public uint Type;
    public uint Tgid;
    public ulong TimestampNs;
    public ulong ConnectionId;
}

[InlineArray(2)]
internal struct Bytes2
{
    private byte _element;
}

[InlineArray(3)]
internal struct Bytes3
{
    private byte _element;
}

[InlineArray(16)]
internal struct Bytes16
{
    private byte _element;
}

[InlineArray(KernelConstants.PathDepth * KernelConstants.PathNameLength)]
internal struct PathNames
{
    private byte _element;
}

[StructLayout(LayoutKind.Sequential)]
internal struct ConnectionOpenEvent
{
    public const byte FlagTls = 1;

    public KernelEventHeader Header;
    public int Fd;
    public byte Role;
    public byte Source;
    public ushort Family;
    public ushort LocalPort;
    public ushort RemotePort;
    public byte Flags;
    public Bytes3 Reserved;
    public Bytes16 LocalAddress;
    public Bytes16 RemoteAddress;
    public Bytes16 Comm;
    public ulong ConnectStartNs;
    public ulong CgroupId;
    public uint NetNsInode;
    public uint NamespacePid;
}

[StructLayout(LayoutKind.Sequential)]
internal struct DataEvent
{
    public const byte FlagReadFault = 1;
    public const byte FlagTls = 2;
    public const byte FlagNoBuffer = 4;

    public KernelEventHeader Header;
    public ulong StreamOffset;
    public ulong CutBytes;
    public uint PayloadLength;
    public byte Direction;
    public byte Flags;
    public ushort Reserved;
    // payload follows
}

[StructLayout(LayoutKind.Sequential)]
internal struct ConnectionCloseEvent
{
    public KernelEventHeader Header;
    public ulong BytesSent;
    public ulong BytesReceived;
}

[StructLayout(LayoutKind.Sequential)]
internal struct SendfileEvent
{
    public KernelEventHeader Header;
    public ulong StreamOffset;
    public ulong Count;
    public ulong FileOffset;
    public ulong FileSize;
    public ulong Ino;
    public uint Dev;
    public ushort Mode;
    public byte Depth;
    public byte PathComplete;
    public PathNames Names;
}

[StructLayout(LayoutKind.Sequential)]
internal struct KernelConfig
{
    public uint SelfTgid;
    public uint MaxBytesPerCall;
    public byte FilterPids;
    public byte FilterComms;
    public byte FilterPorts;
    public byte AllTcp;
    public uint WakeupBytes;
    public byte Tls;
    public byte DataPath;
    public Bytes2 Reserved;
    public uint FilterCgroups;
}

[StructLayout(LayoutKind.Sequential)]
internal struct KernelCounters
{
    public ulong RingBufferFullEvents;
    public ulong RingBufferFullBytes;
    public ulong CapEvents;
    public ulong CapBytes;
    public ulong ReadFaultEvents;
    public ulong ReadFaultBytes;
    public ulong TlsUnattributedEvents;
    public ulong TlsUnattributedBytes;
}
