using System.Diagnostics;
using System.Globalization;
using System.Text;
using Capture.Format.Records;
using Capture.Recorder.Interop;

namespace Capture.Recorder.Tests;

/// <summary>sendfile bytes read back from the file, only when it is provably the same file.</summary>
public class SendfileRecoveryTests : IDisposable
{
    private const uint Pid = 777;
    private readonly string _dir = Directory.CreateTempSubdirectory("capture-sendfile-").FullName;
    private readonly string _proc;

    public SendfileRecoveryTests()
    {
        // /proc/PID/root of a process with the same root as ours.
        _proc = Path.Combine(_dir, "proc");
        Directory.CreateDirectory(Path.Combine(_proc, Pid.ToString(CultureInfo.InvariantCulture)));
        File.CreateSymbolicLink(Path.Combine(_proc, Pid.ToString(CultureInfo.InvariantCulture), "root"), "/");
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void The_range_sent_is_read_back_from_the_same_file()
    {
        string file = WriteFile("static.bin", 10_000);
        var e = EventFor(file, fileOffset: 1000, count: 5000);
        var record = new SendfileRecovery(1 << 20, _proc).Recover(e);
        Assert.Equal(DataFlags.FromFile, record.Flags);
        Assert.Equal(File.ReadAllBytes(file)[1000..6000], record.Payload.ToArray());
        Assert.Equal((0UL, 123UL, Direction.Egress), (record.CutBytes, record.StreamOffset, record.Direction));
    }

    [Fact]
    public void Bytes_beyond_the_cap_are_a_cut()
    {
        string file = WriteFile("big.bin", 10_000);
        var record = new SendfileRecovery(4096, _proc).Recover(EventFor(file, 0, 10_000));
        Assert.Equal(4096, record.Payload.Length);
        Assert.Equal(10_000UL - 4096, record.CutBytes);
    }

    [Fact]
    public void A_changed_replaced_or_unreachable_file_becomes_a_gap_of_the_sent_length()
    {
        string file = WriteFile("changing.bin", 10_000);
        var original = EventFor(file, 0, 5000);
        var recovery = new SendfileRecovery(1 << 20, _proc);

        AssertGap(recovery.Recover(original with { FileSize = 9_999 }));         // size differs: changed since the call
        AssertGap(recovery.Recover(original with { Ino = original.Ino + 1 }));   // another file now has that name
        AssertGap(recovery.Recover(original with { PathComplete = 0 }));         // the kernel could not name it
        AssertGap(recovery.Recover(original with { Mode = 0x1000 }));            // a pipe, not a regular file
        AssertGap(recovery.Recover(original with { Header = original.Header with { Tgid = 1 } })); // no such /proc entry here
        File.Delete(file);
        AssertGap(recovery.Recover(original));                                   // gone

        static void AssertGap(DataRecord r)
        {
            Assert.Equal(DataFlags.Unrecoverable, r.Flags);
            Assert.True(r.Payload.IsEmpty);
            Assert.Equal(5000UL, r.CutBytes);
        }
    }

    [Fact]
    public void Kernel_device_numbers_convert_to_glibc_encoding()
    {
        Assert.Equal(0x0801UL, SendfileRecovery.ToUserDev((8u << 20) | 1));          // sda1: 8:1
        Assert.Equal((259UL << 8) | 0x12UL | (0x3400UL << 12), SendfileRecovery.ToUserDev((259u << 20) | 0x3412));
    }

    private string WriteFile(string name, int length)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, Enumerable.Range(0, length).Select(i => (byte)(i * 7)).ToArray());
        return path;
    }

    /// <summary>The event the kernel would send for a sendfile of this file, with its real device and inode.</summary>
    private static SendfileEvent EventFor(string path, ulong fileOffset, ulong count)
    {
        string[] stat = RunStat(path).Split(' ');
        uint major = uint.Parse(stat[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        uint minor = uint.Parse(stat[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        var e = new SendfileEvent
        {
            Header = new KernelEventHeader { Type = (uint)KernelEventType.Sendfile, Tgid = Pid, TimestampNs = 5, ConnectionId = 2 },
            StreamOffset = 123,
            Count = count,
            FileOffset = fileOffset,
            FileSize = ulong.Parse(stat[3], CultureInfo.InvariantCulture),
            Ino = ulong.Parse(stat[2], CultureInfo.InvariantCulture),
            Dev = (major << 20) | minor,
            Mode = 0x81A4,
            PathComplete = 1,
        };
        // Leaf first, as the kernel walks up the dentries.
        string[] parts = path.Trim('/').Split('/').Reverse().ToArray();
        Span<byte> names = e.Names;
        for (int i = 0; i < parts.Length; i++)
            Encoding.UTF8.GetBytes(parts[i]).CopyTo(names[(i * KernelConstants.PathNameLength)..]);
        e.Depth = (byte)parts.Length;
        return e;
    }

    /// <summary>"major minor inode size" (hex, hex, decimal, decimal) of a file, from coreutils stat.</summary>
    private static string RunStat(string path)
    {
        var start = new ProcessStartInfo("stat") { RedirectStandardOutput = true };
        foreach (string a in (string[])["-c", "%D %i %s", path])
            start.ArgumentList.Add(a);
        using var p = Process.Start(start)!;
        string[] fields = p.StandardOutput.ReadToEnd().Trim().Split(' ');
        p.WaitForExit();
        ulong stDev = ulong.Parse(fields[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture); // glibc encoding
        ulong major = ((stDev >> 8) & 0xFFF) | ((stDev >> 32) & 0xFFFFF000);
        ulong minor = (stDev & 0xFF) | ((stDev >> 12) & 0xFFFFFF00);
        return $"{major:x} {minor:x} {fields[1]} {fields[2]}";
    }
}
