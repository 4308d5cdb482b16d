using System.Buffers.Binary;
using System.Text;

namespace Capture.Recorder.Tls.Go;

/// <summary>
/// Finds functions by name in a Go binary's .gopclntab, the table the Go runtime itself uses for
/// stack traces: it survives `-ldflags=-s -w` and strip, unlike .symtab. Layouts of Go 1.16-1.17
/// (magic 0xfffffffa), 1.18-1.19 (0xfffffff0) and 1.20+ (0xfffffff1) are read; older ones predate
/// the register ABI the probes need. Every offset read from the table is checked against its bounds.
/// </summary>
internal sealed class GoFunctionTable
{
    private const uint Go116Magic = 0xfffffffa;
    private const uint Go118Magic = 0xfffffff0;
    private const uint Go120Magic = 0xfffffff1;

    private readonly byte[] _table;
    private readonly bool _offsetsFromText; // 1.18+: entries are 32-bit offsets from textStart
    private readonly int _pointerSize;
    private readonly ulong _textStart;
    private readonly int _functionCount;
    private readonly int _names;
    private readonly int _functab;

    private GoFunctionTable(byte[] table, bool offsetsFromText, int pointerSize, ulong textStart, int functionCount, int names, int functab)
    {
        _table = table;
        _offsetsFromText = offsetsFromText;
        _pointerSize = pointerSize;
        _textStart = textStart;
        _functionCount = functionCount;
        _names = names;
        _functab = functab;
    }

    /// <summary>Reads the table of <paramref name="binary"/>, or null when it has none this reader knows.</summary>
    public static GoFunctionTable? Read(GoBinary binary)
    {
        byte[]? table = binary.Section(".gopclntab");
        if (table is null || table.Length < 16 || table[4] != 0 || table[5] != 0 || table[6] is not (1 or 2 or 4) || table[7] != 8)
            return null;
        uint magic = BinaryPrimitives.ReadUInt32LittleEndian(table);
        int pointerSize = table[7];
        ulong Word(int index)
        {
            int at = 8 + index * pointerSize;
            return at + 8 <= table.Length ? BinaryPrimitives.ReadUInt64LittleEndian(table.AsSpan(at)) : ulong.MaxValue;
        }
        ulong count = Word(0);
        (ulong textStart, ulong names, ulong functab, bool fromText) = magic switch
        {
            Go118Magic or Go120Magic => (Word(2), Word(3), Word(7), true),
            Go116Magic => (0UL, Word(2), Word(6), false),
            _ => (0UL, ulong.MaxValue, ulong.MaxValue, false),
        };
        if (fromText && textStart == 0)
            textStart = binary.SectionAddress(".text") ?? 0; // unrelocated in a position-independent binary
        int fieldSize = fromText ? 4 : pointerSize;
        if (count == 0 || count > int.MaxValue / 32 || names >= (ulong)table.Length || functab >= (ulong)table.Length
            || functab + (count * 2 + 1) * (ulong)fieldSize > (ulong)table.Length)
            return null;
        return new GoFunctionTable(table, fromText, pointerSize, textStart, (int)count, (int)names, (int)functab);
    }

    /// <summary>The [start, end) addresses of the function with exactly this name, or null.</summary>
    public (ulong Start, ulong End)? Find(string name)
    {
        byte[] wanted = Encoding.UTF8.GetBytes(name);
        int fieldSize = _offsetsFromText ? 4 : _pointerSize;
        for (int i = 0; i < _functionCount; i++)
        {
            int entry = _functab + i * 2 * fieldSize;
            ulong funcOffset = Field(entry + fieldSize, fieldSize);
            if (funcOffset >= (ulong)(_table.Length - _functab))
                continue;
            int func = _functab + (int)funcOffset;
            int nameField = func + fieldSize; // after entryoff (1.18+) or entry pc (1.16)
            if (nameField + 4 > _table.Length)
                continue;
            int nameOffset = BinaryPrimitives.ReadInt32LittleEndian(_table.AsSpan(nameField));
            if (nameOffset < 0 || !NameAt(_names + (long)nameOffset, wanted))
                continue;
            ulong start = Address(Field(entry, fieldSize));
            ulong end = Address(Field(entry + 2 * fieldSize, fieldSize)); // the next entry's pc, or the table's end pc
            return end > start ? (start, end) : null;
        }
        return null;
    }

    private ulong Address(ulong field) => _offsetsFromText ? _textStart + field : field;

    private ulong Field(int at, int size) =>
        size == 4 ? BinaryPrimitives.ReadUInt32LittleEndian(_table.AsSpan(at)) : BinaryPrimitives.ReadUInt64LittleEndian(_table.AsSpan(at));

    private bool NameAt(long at, byte[] wanted) =>
        at + wanted.Length < _table.Length && _table.AsSpan((int)at, wanted.Length).SequenceEqual(wanted) && _table[(int)at + wanted.Length] == 0;
}
