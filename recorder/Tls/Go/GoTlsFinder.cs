namespace Capture.Recorder.Tls.Go;

/// <summary>One function to probe: its entry (see <see cref="EntryFinder"/>) and every RET, as file offsets (what uprobes take).</summary>
internal sealed record GoFunctionProbes(ulong Entry, IReadOnlyList<ulong> Returns);

/// <summary>Where to probe Go's crypto/tls in one binary.</summary>
/// <param name="Write">crypto/tls.(*Conn).Write: the plaintext is its argument, the count written its result.</param>
/// <param name="Read">crypto/tls.(*Conn).Read: the buffer is its argument, the count read its result.</param>
/// <param name="Handshake">crypto/tls.(*Conn).handshakeContext: the socket calls under it tell which socket the Conn uses.</param>
/// <param name="FromSymbols">True when .symtab named the functions; false when the stripped binary's .gopclntab did.</param>
internal sealed record GoTlsTargets(string Path, GoVersion Version, GoFunctionProbes Write, GoFunctionProbes Read,
    GoFunctionProbes Handshake, bool FromSymbols);

/// <summary>
/// Finds crypto/tls.(*Conn).Write, Read and handshakeContext in a Go executable, stripped or not, and says why
/// not when a binary cannot be probed (not Go, too old for the register ABI, no crypto/tls linked in).
/// </summary>
internal static class GoTlsFinder
{
    public const string WriteFunction = "crypto/tls.(*Conn).Write";
    public const string ReadFunction = "crypto/tls.(*Conn).Read";
    public const string HandshakeFunction = "crypto/tls.(*Conn).handshakeContext";
    private static readonly string[] Functions = [WriteFunction, ReadFunction, HandshakeFunction];

    public static GoTlsTargets? Find(string path, out string whyNot) => Find(path, out whyNot, out _);

    /// <param name="refused">
    /// True when the file is a Go program that may well use TLS but cannot be probed (too old, unreadable):
    /// worth telling the user; false for a file that is not Go, or Go without crypto/tls.
    /// </param>
    public static GoTlsTargets? Find(string path, out string whyNot, out bool refused)
    {
        try
        {
            return FindIn(path, out whyNot, out refused);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException
            or ArgumentException or IndexOutOfRangeException or InvalidOperationException or OverflowException)
        {
            whyNot = $"unreadable ({e.Message.TrimEnd('.')})"; // a damaged or unusual file is not probed, never a crash
            refused = true;
            return null;
        }
    }

    private static GoTlsTargets? FindIn(string path, out string whyNot, out bool refused)
    {
        refused = false;
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
        refused = true;
        if (!version.HasRegisterAbi)
        {
            whyNot = $"built with {version}; Go 1.17 or later is needed (register calling convention)";
            return null;
        }
        var symbols = binary.FunctionSymbols()
            .Where(s => Functions.Contains(s.Name))
            .ToDictionary(s => s.Name, s => (Start: s.Address, End: s.Address + s.Size));
        bool fromSymbols = symbols.Count == Functions.Length;
        if (!fromSymbols)
        {
            var table = GoFunctionTable.Read(binary);
            if (table is null)
            {
                whyNot = $"a {version} program whose function table (.gopclntab) cannot be read";
                return null;
            }
            foreach (string name in Functions)
                if (table.Find(name) is { } range)
                    symbols[name] = range;
        }
        if (!symbols.ContainsKey(WriteFunction) || !symbols.ContainsKey(ReadFunction))
        {
            whyNot = $"a {version} program without crypto/tls";
            refused = false;
            return null;
        }
        var probes = new Dictionary<string, GoFunctionProbes>();
        foreach (string name in Functions)
        {
            if (!symbols.TryGetValue(name, out var range))
            {
                whyNot = $"a {version} program with crypto/tls but without {name}";
                return null;
            }
            if (Probes(binary, range.Start, range.End) is not { } found)
            {
                whyNot = $"{name} is outside the file's loaded segments or has no return instruction";
                return null;
            }
            probes[name] = found;
        }
        whyNot = "";
        refused = false;
        return new GoTlsTargets(path, version, probes[WriteFunction], probes[ReadFunction], probes[HandshakeFunction], fromSymbols);
    }

    private static GoFunctionProbes? Probes(GoBinary binary, ulong start, ulong end)
    {
        byte[] code = binary.Bytes(start, end);
        if (binary.FileOffset(EntryFinder.ProbeAddress(code, start)) is not { } entry)
            return null;
        var returns = new List<ulong>();
        foreach (ulong address in ReturnFinder.Returns(code, start))
            returns.Add(binary.FileOffset(address)!.Value);
        return returns.Count == 0 ? null : new GoFunctionProbes(entry, returns);
    }
}
