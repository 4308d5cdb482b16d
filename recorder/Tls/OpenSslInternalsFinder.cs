using System.Buffers.Binary;
using System.Text;

namespace Capture.Recorder.Tls;

/// <summary>File offsets of OpenSSL's ssl_read_internal and ssl_write_internal in one libssl.</summary>
internal readonly record struct OpenSslInternals(ulong ReadInternal, ulong WriteInternal);

/// <summary>
/// Finds the internal functions behind SSL_read/SSL_read_ex and SSL_write/SSL_write_ex in an x86-64
/// libssl, so that the probes can sit there instead. Why: the exported functions start with
/// `sub $N,%rsp`, which the kernel executes out of line with a single-step trap (very slow under a
/// hypervisor), while the internal ones start with `push`, which the kernel emulates. The internal
/// functions take (ssl, buf, num, size_t *count) and return 1 on success, like the _ex variants.
/// Only a shape that is certain is accepted: SSL_read_ex and SSL_write_ex must be exactly
/// `sub $imm8,%rsp; call X` (as OpenSSL 3 builds them), SSL_read/SSL_write must call the same X
/// early on, and X must start with a push. Anything else returns null and the exported functions are probed.
/// </summary>
internal static class OpenSslInternalsFinder
{
    private const int ScanBytes = 64;

    public static OpenSslInternals? Find(string path)
    {
        try
        {
            byte[] elf = File.ReadAllBytes(path);
            if (!IsX8664Elf(elf))
                return null;
            var symbols = DynamicSymbols(elf, ["SSL_read", "SSL_read_ex", "SSL_write", "SSL_write_ex"]);
            if (symbols.Count != 4)
                return null;
            ulong? read = Internal(elf, symbols["SSL_read_ex"], symbols["SSL_read"]);
            ulong? write = Internal(elf, symbols["SSL_write_ex"], symbols["SSL_write"]);
            return read is { } r && write is { } w ? new OpenSslInternals(r, w) : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or IndexOutOfRangeException)
        {
            return null; // unreadable or malformed: probe the exported functions
        }
    }

    /// <summary>
    /// The file offset of libcrypto's bio_write_intern(bio, data, len, written), which BIO_write and BIO_write_ex
    /// both call, for the memory-BIO probe (see <see cref="MemoryBioProbes"/>): BIO_write starts with
    /// `sub $N,%rsp`, single-stepped. Accepted only when both functions call the same function within their
    /// first bytes and it starts with a push; otherwise null, and BIO_write itself is probed.
    /// </summary>
    public static ulong? FindBioWriteInternal(string path)
    {
        try
        {
            byte[] elf = File.ReadAllBytes(path);
            if (!IsX8664Elf(elf))
                return null;
            var symbols = DynamicSymbols(elf, ["BIO_write", "BIO_write_ex"]);
            if (symbols.Count != 2)
                return null;
            var shared = CallTargets(elf, symbols["BIO_write"]).Intersect(CallTargets(elf, symbols["BIO_write_ex"]));
            foreach (ulong target in shared)
                if (FileOffset(elf, target) is { } offset && StartsWithPush(elf, (int)offset))
                    return offset;
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or IndexOutOfRangeException)
        {
            return null; // unreadable or malformed: probe BIO_write
        }
    }

    /// <summary>Targets of the `call rel32` instructions in the first bytes of the function at <paramref name="address"/>.</summary>
    private static List<ulong> CallTargets(byte[] elf, ulong address)
    {
        var targets = new List<ulong>();
        if (FileOffset(elf, address) is not { } start)
            return targets;
        for (int j = (int)start; j < (int)start + ScanBytes; j++)
            if (elf[j] == 0xe8)
                targets.Add(CallTarget(address + (ulong)(j - (int)start), elf, j));
        return targets;
    }

    /// <summary>The file offset of the function the _ex wrapper calls, if the wrapper and the plain function agree on it.</summary>
    private static ulong? Internal(byte[] elf, ulong exAddress, ulong plainAddress)
    {
        if (FileOffset(elf, exAddress) is not { } ex || FileOffset(elf, plainAddress) is not { } plain)
            return null;
        int i = (int)ex;
        if (elf.AsSpan(i, 4).SequenceEqual(new byte[] { 0xf3, 0x0f, 0x1e, 0xfa }))
            i += 4; // endbr64
        // sub $imm8, %rsp ; call rel32
        if (elf[i] != 0x48 || elf[i + 1] != 0x83 || elf[i + 2] != 0xec || elf[i + 4] != 0xe8)
            return null;
        ulong target = CallTarget(exAddress + (ulong)(i + 4 - (int)ex), elf, i + 4);
        bool plainCallsIt = false;
        for (int j = (int)plain; j < (int)plain + ScanBytes && !plainCallsIt; j++)
            plainCallsIt = elf[j] == 0xe8 && CallTarget(plainAddress + (ulong)(j - (int)plain), elf, j) == target;
        if (!plainCallsIt || FileOffset(elf, target) is not { } offset)
            return null;
        return StartsWithPush(elf, (int)offset) ? offset : null;
    }

    /// <summary>The address a `call rel32` at <paramref name="address"/> (bytes at file index <paramref name="at"/>) jumps to.</summary>
    private static ulong CallTarget(ulong address, byte[] elf, int at) =>
        address + 5 + (ulong)(long)BinaryPrimitives.ReadInt32LittleEndian(elf.AsSpan(at + 1, 4));

    /// <summary>push %reg (0x50-0x57) or push %r8-%r15 (0x41 0x50-0x57): instructions the kernel emulates for uprobes.</summary>
    private static bool StartsWithPush(byte[] elf, int at) =>
        elf[at] is >= 0x50 and <= 0x57 || (elf[at] == 0x41 && elf[at + 1] is >= 0x50 and <= 0x57);

    private static bool IsX8664Elf(byte[] elf) =>
        elf.Length > 64 && elf[0] == 0x7f && elf[1] == 'E' && elf[2] == 'L' && elf[3] == 'F' &&
        elf[4] == 2 /* 64-bit */ && elf[5] == 1 /* little endian */ && BinaryPrimitives.ReadUInt16LittleEndian(elf.AsSpan(18)) == 62 /* x86-64 */;

    /// <summary>Addresses of defined functions named in <paramref name="names"/>, from .dynsym.</summary>
    private static Dictionary<string, ulong> DynamicSymbols(byte[] elf, string[] names)
    {
        var found = new Dictionary<string, ulong>(StringComparer.Ordinal);
        ulong sectionTable = BinaryPrimitives.ReadUInt64LittleEndian(elf.AsSpan(0x28));
        int sectionSize = BinaryPrimitives.ReadUInt16LittleEndian(elf.AsSpan(0x3a));
        int sectionCount = BinaryPrimitives.ReadUInt16LittleEndian(elf.AsSpan(0x3c));
        for (int s = 0; s < sectionCount; s++)
        {
            var header = elf.AsSpan((int)sectionTable + s * sectionSize, sectionSize);
            if (BinaryPrimitives.ReadUInt32LittleEndian(header[4..]) != 11 /* SHT_DYNSYM */)
                continue;
            ulong offset = BinaryPrimitives.ReadUInt64LittleEndian(header[0x18..]);
            ulong size = BinaryPrimitives.ReadUInt64LittleEndian(header[0x20..]);
            int link = (int)BinaryPrimitives.ReadUInt32LittleEndian(header[0x28..]);
            ulong entry = BinaryPrimitives.ReadUInt64LittleEndian(header[0x38..]);
            var strings = elf.AsSpan((int)sectionTable + link * sectionSize, sectionSize);
            int stringsOffset = (int)BinaryPrimitives.ReadUInt64LittleEndian(strings[0x18..]);
            for (ulong at = offset; entry > 0 && at + entry <= offset + size; at += entry)
            {
                var symbol = elf.AsSpan((int)at, (int)entry);
                byte type = (byte)(symbol[4] & 0xf);
                ushort sectionIndex = BinaryPrimitives.ReadUInt16LittleEndian(symbol[6..]);
                if (type != 2 /* STT_FUNC */ || sectionIndex == 0 /* undefined */)
                    continue;
                int nameStart = stringsOffset + (int)BinaryPrimitives.ReadUInt32LittleEndian(symbol);
                int nameEnd = Array.IndexOf(elf, (byte)0, nameStart);
                string name = Encoding.ASCII.GetString(elf, nameStart, nameEnd - nameStart);
                if (names.Contains(name))
                    found.TryAdd(name, BinaryPrimitives.ReadUInt64LittleEndian(symbol[8..]));
            }
        }
        return found;
    }

    /// <summary>The file offset of a virtual address, through the PT_LOAD program headers.</summary>
    private static ulong? FileOffset(byte[] elf, ulong address)
    {
        ulong table = BinaryPrimitives.ReadUInt64LittleEndian(elf.AsSpan(0x20));
        int entrySize = BinaryPrimitives.ReadUInt16LittleEndian(elf.AsSpan(0x36));
        int count = BinaryPrimitives.ReadUInt16LittleEndian(elf.AsSpan(0x38));
        for (int p = 0; p < count; p++)
        {
            var header = elf.AsSpan((int)table + p * entrySize, entrySize);
            if (BinaryPrimitives.ReadUInt32LittleEndian(header) != 1 /* PT_LOAD */)
                continue;
            ulong fileOffset = BinaryPrimitives.ReadUInt64LittleEndian(header[8..]);
            ulong virtualAddress = BinaryPrimitives.ReadUInt64LittleEndian(header[0x10..]);
            ulong fileSize = BinaryPrimitives.ReadUInt64LittleEndian(header[0x20..]);
            if (address >= virtualAddress && address + ScanBytes <= virtualAddress + fileSize)
                return address - virtualAddress + fileOffset;
        }
        return null;
    }
}
