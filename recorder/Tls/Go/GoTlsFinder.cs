namespace Capture.Recorder.Tls.Go;

/// <summary>Where to probe Go's crypto/tls in one binary: file offsets, as uprobes take them.</summary>
/// <param name="WriteEntry">The first instruction of crypto/tls.(*Conn).Write (the plaintext is its argument).</param>
/// <param name="ReadEntry">The first instruction of crypto/tls.(*Conn).Read (where the buffer is remembered).</param>
/// <param name="ReadReturns">Every RET of crypto/tls.(*Conn).Read (where the byte count is known).</param>
/// <param name="FromSymbols">True when .symtab named the functions; false when the stripped binary's .gopclntab did.</param>
internal sealed record GoTlsTargets(string Path, GoVersion Version, ulong WriteEntry, ulong ReadEntry, IReadOnlyList<ulong> ReadReturns, bool FromSymbols);

/// <summary>
/// Finds crypto/tls.(*Conn).Write and Read in a Go executable, stripped or not, and says why not
/// when a binary cannot be probed (not Go, too old for the register ABI, no crypto/tls linked in).
/// </summary>
internal static class GoTlsFinder
{
    public const string WriteFunction = "crypto/tls.(*Conn).Write";
    public const string ReadFunction = "crypto/tls.(*Conn).Read";

    public static GoTlsTargets? Find(string path, out string whyNot)
    {
        try
        {
            return FindIn(path, out whyNot);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException
            or ArgumentException or IndexOutOfRangeException or InvalidOperationException or OverflowException)
        {
            whyNot = $"unreadable ({e.Message.TrimEnd('.')})"; // a damaged or unusual file is not probed, never a crash
            return null;
        }
    }

    private static GoTlsTargets? FindIn(string path, out string whyNot)
    {
        using var binary = GoBinary.Open(path);
        if (binary is null)
        {
            whyNot = "not an x86-64 ELF file";
            return null;
        }
        if (GoVersion.Of(binary) is not { } version)
        {
            whyNot = "not a Go program (no Go build information)";
            return null;
        }
        if (!version.HasRegisterAbi)
        {
            whyNot = $"built with {version}; Go 1.17 or later is needed (register calling convention)";
            return null;
        }
        var symbols = binary.FunctionSymbols()
            .Where(s => s.Name is WriteFunction or ReadFunction)
            .ToDictionary(s => s.Name, s => (Start: s.Address, End: s.Address + s.Size));
        bool fromSymbols = symbols.Count == 2;
        if (!fromSymbols)
        {
            var table = GoFunctionTable.Read(binary);
            if (table is null)
            {
                whyNot = $"a {version} program whose function table (.gopclntab) cannot be read";
                return null;
            }
            foreach (string name in (string[])[WriteFunction, ReadFunction])
                if (table.Find(name) is { } range)
                    symbols[name] = range;
        }
        if (!symbols.TryGetValue(WriteFunction, out var write) || !symbols.TryGetValue(ReadFunction, out var read))
        {
            whyNot = $"a {version} program without crypto/tls";
            return null;
        }
        if (binary.FileOffset(write.Start) is not { } writeEntry || binary.FileOffset(read.Start) is not { } readEntry)
        {
            whyNot = "crypto/tls's functions are outside the file's loaded segments";
            return null;
        }
        var returns = new List<ulong>();
        foreach (ulong address in ReturnFinder.Returns(binary.Bytes(read.Start, read.End), read.Start))
            returns.Add(binary.FileOffset(address)!.Value);
        if (returns.Count == 0)
        {
            whyNot = $"no return instruction found in {ReadFunction}";
            return null;
        }
        whyNot = "";
        return new GoTlsTargets(path, version, writeEntry, readEntry, returns, fromSymbols);
    }
}
