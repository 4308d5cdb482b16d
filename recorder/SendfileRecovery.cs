using System.Runtime.InteropServices;
using System.Text;
using Capture.Format.Records;
using Capture.Recorder.Interop;

namespace Capture.Recorder;

/// <summary>
/// sendfile() bytes never pass through user memory, so the kernel records which file and
/// range were sent, and this reads the same range back from the file. It must be the same
/// file (device and inode) with the same size; anything else becomes a gap of known length.
/// </summary>
internal sealed unsafe class SendfileRecovery(uint maxBytesPerCall, string procRoot = "/proc")
{
    private const ushort RegularFileType = 0x8000;
    private const ushort FileTypeMask = 0xF000;

    public DataRecord Recover(in SendfileEvent e)
    {
        ulong take = Math.Min(e.Count, maxBytesPerCall);
        byte[]? bytes = TryRead(e, (int)take);
        return bytes is null
            ? new DataRecord(e.Header.TimestampNs, e.Header.ConnectionId, Direction.Egress, e.StreamOffset,
                ReadOnlyMemory<byte>.Empty, e.Count, DataFlags.Unrecoverable)
            : new DataRecord(e.Header.TimestampNs, e.Header.ConnectionId, Direction.Egress, e.StreamOffset,
                bytes, e.Count - take, DataFlags.FromFile);
    }

    /// <summary>The path as the process sees it, built from the kernel's leaf-first names; null if incomplete.</summary>
    internal static string? RelativePath(in SendfileEvent e)
    {
        if (e.PathComplete == 0 || e.Depth == 0)
            return null;
        ReadOnlySpan<byte> names = e.Names;
        var path = new StringBuilder();
        for (int i = e.Depth - 1; i >= 0; i--)
        {
            ReadOnlySpan<byte> slot = names.Slice(i * KernelConstants.PathNameLength, KernelConstants.PathNameLength);
            int end = slot.IndexOf((byte)0);
            if (end < 0)
                return null; // the name was longer than the slot
            path.Append('/').Append(Encoding.UTF8.GetString(slot[..end]));
        }
        return path.ToString();
    }

    /// <summary>The kernel's dev_t (major &lt;&lt; 20 | minor) in glibc's st_dev encoding.</summary>
    internal static ulong ToUserDev(uint kernelDev)
    {
        ulong major = kernelDev >> 20;
        ulong minor = kernelDev & 0xFFFFF;
        return ((major & 0xFFFFF000UL) << 32) | ((major & 0xFFFUL) << 8) | ((minor & 0xFFFFFF00UL) << 12) | (minor & 0xFFUL);
    }

    private byte[]? TryRead(in SendfileEvent e, int count)
    {
        if ((e.Mode & FileTypeMask) != RegularFileType || e.FileOffset > long.MaxValue)
            return null;
        string? relative = RelativePath(e);
        if (relative is null)
            return null;
        string path = $"{procRoot}/{e.Header.Tgid}/root{relative}";
        try
        {
            using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            LibC.Stat st;
            if (LibC.FStat((int)handle.DangerousGetHandle(), &st) != 0)
                return null;
            if (st.Ino != e.Ino || st.Dev != ToUserDev(e.Dev) || (ulong)st.Size != e.FileSize)
                return null; // another file now has that name, or the file changed since the call
            byte[] bytes = GC.AllocateUninitializedArray<byte>(count);
            int read = 0;
            while (read < count)
            {
                int n = RandomAccess.Read(handle, bytes.AsSpan(read), (long)e.FileOffset + read);
                if (n <= 0)
                    return null;
                read += n;
            }
            return bytes;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
