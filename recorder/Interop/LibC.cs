using System.Runtime.InteropServices;

namespace Capture.Recorder.Interop;

/// <summary>The few libc calls .NET has no API for.</summary>
internal static unsafe partial class LibC
{
    public const int ClockRealtime = 0;
    public const int ClockMonotonic = 1;

    [StructLayout(LayoutKind.Sequential)]
    public struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;

        public readonly long TotalNanoseconds => Seconds * 1_000_000_000L + Nanoseconds;
    }

    /// <summary>glibc's struct stat on x86_64 and aarch64 (at most 144 bytes); only dev, ino and size are read.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 256)]
    public struct Stat
    {
        [FieldOffset(0)] public ulong Dev;
        [FieldOffset(8)] public ulong Ino;
        [FieldOffset(48)] public long Size;
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    public static partial int ClockGetTime(int clock, out TimeSpec time);

    [LibraryImport("libc", EntryPoint = "fstat", SetLastError = true)]
    public static partial int FStat(int fd, Stat* buffer);

    [LibraryImport("libc", EntryPoint = "stat", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int StatPath(string path, Stat* buffer);

    public const int OpenReadOnlyDirectory = 0x10000 | 0x80000; // O_RDONLY | O_DIRECTORY | O_CLOEXEC

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "close")]
    public static partial int Close(int fd);

    /// <summary>The inode number of a path, or null when it cannot be stat'ed.</summary>
    public static ulong? InodeOf(string path)
    {
        Stat st;
        return StatPath(path, &st) == 0 ? st.Ino : null;
    }

    [LibraryImport("libc", EntryPoint = "mount", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int Mount(string source, string target, string fileSystemType, ulong flags, nint data);

    [LibraryImport("libc", EntryPoint = "strerror")]
    private static partial nint StrError(int errno);

    /// <summary>The C library's text for an errno value, e.g. "Operation not permitted".</summary>
    public static string ErrorText(int errno) =>
        Marshal.PtrToStringUTF8(StrError(Math.Abs(errno))) ?? $"errno {Math.Abs(errno)}";
}
