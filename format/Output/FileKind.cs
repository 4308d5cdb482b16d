using System.Runtime.InteropServices;

namespace Capture.Format.Output;

/// <summary>What a path names, after following symbolic links.</summary>
public enum FileKind
{
    Missing,
    Regular,
    Directory,
    /// <summary>A character device or a FIFO (/dev/null, /dev/stdout, a named pipe): written in place, never replaced.</summary>
    Stream,
    /// <summary>A disk: never written, a capture has no business overwriting one.</summary>
    BlockDevice,
    /// <summary>A Unix socket or anything else that cannot be opened for writing.</summary>
    Other,
}

/// <summary>
/// Classifies a path with statx(2). .NET's file APIs do not tell a device or FIFO from a regular
/// file, and replacing /dev/null with a regular file is exactly the mistake this exists to avoid.
/// statx's buffer has the same layout on every architecture, unlike struct stat.
/// </summary>
public static partial class FileKinds
{
    private const int AtFdCwd = -100;
    private const uint StatxType = 0x1;
    private const int ModeOffset = 28; // struct statx: stx_mask u32, stx_blksize u32, stx_attributes u64, stx_nlink u32, stx_uid u32, stx_gid u32, stx_mode u16
    private const int Enoent = 2, Enotdir = 20;

    public static unsafe FileKind Of(string path)
    {
        if (OperatingSystem.IsWindows())
            return Directory.Exists(path) ? FileKind.Directory : File.Exists(path) ? FileKind.Regular : FileKind.Missing;
        byte* buffer = stackalloc byte[256];
        if (Statx(AtFdCwd, path, 0, StatxType, buffer) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            return errno is Enoent or Enotdir ? FileKind.Missing
                : throw new IOException($"cannot examine {path}: {Marshal.GetPInvokeErrorMessage(errno)}");
        }
        ushort mode = *(ushort*)(buffer + ModeOffset);
        return (mode & 0xF000) switch
        {
            0x8000 => FileKind.Regular,
            0x4000 => FileKind.Directory,
            0x2000 or 0x1000 => FileKind.Stream, // character device, FIFO
            0x6000 => FileKind.BlockDevice,
            _ => FileKind.Other,
        };
    }

    [LibraryImport("libc", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static unsafe partial int Statx(int dirFd, string path, int flags, uint mask, byte* buffer);
}
