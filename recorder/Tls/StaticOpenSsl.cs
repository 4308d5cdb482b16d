using ELFSharp.ELF;
using ELFSharp.ELF.Sections;

namespace Capture.Recorder.Tls;

/// <summary>
/// Tells whether a mapped executable or library other than libssl.so carries OpenSSL (or BoringSSL)
/// linked in statically: SSL_read and SSL_write among its function symbols (.dynsym or .symtab).
/// Such a file is probed like a shared libssl. Each file is read once, by its device and inode.
/// </summary>
internal static class StaticOpenSsl
{
    private static readonly Dictionary<MappedFile, bool> Seen = [];

    /// <summary>Whether <paramref name="file"/> carries OpenSSL; read from <paramref name="path"/> the first time only.</summary>
    public static bool Carries(MappedFile file, string path)
    {
        lock (Seen)
        {
            if (!Seen.TryGetValue(file, out bool carries))
                Seen[file] = carries = HasSslFunctions(path);
            return carries;
        }
    }

    private static bool HasSslFunctions(string path)
    {
        try
        {
            if (!ELFReader.TryLoad(path, out IELF elf))
                return false;
            using (elf)
            {
                bool read = false, write = false;
                foreach (var table in elf.Sections.OfType<ISymbolTable>())
                {
                    foreach (var symbol in table.Entries)
                    {
                        if (symbol is not SymbolEntry<ulong> { Type: SymbolType.Function, Value: > 0 } function)
                            continue;
                        read |= function.Name == "SSL_read";
                        write |= function.Name == "SSL_write";
                    }
                    if (read && write)
                        return true;
                }
                return false;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException
            or ArgumentException or IndexOutOfRangeException or OverflowException or NotSupportedException)
        {
            return false; // unreadable or unusual: not probed, never a crash
        }
    }
}
