using ELFSharp.ELF;
using ELFSharp.ELF.Sections;
using ELFSharp.ELF.Segments;

namespace Capture.Recorder.Tls.Go;

/// <summary>
/// An x86-64 Go executable opened for reading: its sections, where its code sits in the file, and
/// the bytes at a virtual address. Everything a Go probe needs is read through this one view.
/// </summary>
internal sealed class GoBinary : IDisposable
{
    private readonly IELF _elf;

    private GoBinary(string path, IELF elf)
    {
        Path = path;
        _elf = elf;
    }

    public string Path { get; }

    /// <summary>Opens <paramref name="path"/> if it is a 64-bit little-endian x86-64 ELF file; null otherwise.</summary>
    public static GoBinary? Open(string path)
    {
        if (!ELFReader.TryLoad(path, out IELF elf))
            return null;
        if (elf.Class != Class.Bit64 || elf.Machine != Machine.AMD64 || elf.Endianess != ELFSharp.Endianess.LittleEndian)
        {
            elf.Dispose();
            return null;
        }
        return new GoBinary(path, elf);
    }

    /// <summary>The contents of the named section, or null when the binary has none.</summary>
    public byte[]? Section(string name) =>
        _elf.TryGetSection(name, out ISection section) && section.Type != SectionType.NoBits ? section.GetContents() : null;

    /// <summary>The virtual address the named section is loaded at.</summary>
    public ulong? SectionAddress(string name) =>
        _elf.TryGetSection(name, out ISection section) && section is Section<ulong> s ? s.LoadAddress : null;

    /// <summary>Function symbols (name → address, size) from .symtab; empty for a stripped binary.</summary>
    public IEnumerable<(string Name, ulong Address, ulong Size)> FunctionSymbols()
    {
        if (!_elf.TryGetSection(".symtab", out ISection section) || section is not ISymbolTable table)
            yield break;
        foreach (var entry in table.Entries)
            if (entry is SymbolEntry<ulong> { Type: SymbolType.Function } symbol)
                yield return (symbol.Name, symbol.Value, symbol.Size);
    }

    /// <summary>The file offset of a virtual address inside a loaded segment (what a uprobe is attached at), or null.</summary>
    public ulong? FileOffset(ulong address)
    {
        foreach (var segment in _elf.Segments.OfType<Segment<ulong>>())
        {
            if (segment.Type == SegmentType.Load && address >= segment.Address && address < segment.Address + (ulong)segment.FileSize)
                return address - segment.Address + (ulong)segment.Offset;
        }
        return null;
    }

    /// <summary>The bytes of [<paramref name="start"/>, <paramref name="end"/>) as loaded, from the file.</summary>
    public byte[] Bytes(ulong start, ulong end)
    {
        if (end <= start || end - start > MaxFunctionBytes || FileOffset(start) is not { } offset || FileOffset(end - 1) is null)
            throw new InvalidDataException($"no code at 0x{start:x}-0x{end:x} in {Path}");
        using var file = File.OpenRead(Path);
        var bytes = new byte[end - start];
        file.Position = (long)offset;
        file.ReadExactly(bytes);
        return bytes;
    }

    /// <summary>No function we probe is anywhere near this long; a bigger range means a bad table.</summary>
    private const ulong MaxFunctionBytes = 1 << 20;

    public void Dispose() => _elf.Dispose();
}
