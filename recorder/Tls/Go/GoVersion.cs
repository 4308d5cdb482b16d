using System.Buffers.Binary;
using System.Text;
using System.Text.RegularExpressions;

namespace Capture.Recorder.Tls.Go;

/// <summary>A Go toolchain version such as go1.19.8, read from a binary's build information.</summary>
internal readonly partial record struct GoVersion(int Major, int Minor, string Text)
{
    private const string BuildInfoMagic = "\xff Go buildinf:";

    /// <summary>
    /// The register-based calling convention (arguments in RAX, RBX, RCX, …; the goroutine in R14)
    /// is used by every Go function on amd64 since Go 1.17; the probes read arguments from registers.
    /// </summary>
    public bool HasRegisterAbi => Major > 1 || (Major == 1 && Minor >= 17);

    public override string ToString() => Text;

    /// <summary>
    /// Reads the version from the .go.buildinfo section: since Go 1.18 it is stored inline after the
    /// 32-byte header as a varint-prefixed string (flag bit 2); before, the header holds a pointer to
    /// a Go string. Null when the binary is not Go or the version cannot be read.
    /// </summary>
    public static GoVersion? Of(GoBinary binary)
    {
        byte[]? info = binary.Section(".go.buildinfo");
        if (info is null || info.Length < 32 || Encoding.Latin1.GetString(info, 0, BuildInfoMagic.Length) != BuildInfoMagic)
            return null;
        int pointerSize = info[14];
        byte flags = info[15];
        string? text = (flags & 2) != 0 ? InlineString(info, 32) : PointedString(binary, info, pointerSize);
        return text is null ? null : Parse(text);
    }

    public static GoVersion? Parse(string text)
    {
        var match = VersionPattern().Match(text);
        return match.Success ? new GoVersion(int.Parse(match.Groups[1].Value), int.Parse(match.Groups[2].Value), text) : null;
    }

    private static string? InlineString(byte[] data, int at)
    {
        ulong length = 0;
        for (int shift = 0; at < data.Length && shift < 35; shift += 7)
        {
            byte b = data[at++];
            length |= (ulong)(b & 0x7f) << shift;
            if (b < 0x80)
                return length <= (ulong)(data.Length - at) ? Encoding.UTF8.GetString(data, at, (int)length) : null;
        }
        return null;
    }

    /// <summary>Before Go 1.18: at offset 16 a pointer to a string header (data pointer, length), both little-endian here.</summary>
    private static string? PointedString(GoBinary binary, byte[] info, int pointerSize)
    {
        if (pointerSize != 8)
            return null;
        ulong header = BinaryPrimitives.ReadUInt64LittleEndian(info.AsSpan(16));
        try
        {
            byte[] stringHeader = binary.Bytes(header, header + 16);
            ulong data = BinaryPrimitives.ReadUInt64LittleEndian(stringHeader);
            ulong length = BinaryPrimitives.ReadUInt64LittleEndian(stringHeader.AsSpan(8));
            return length is > 0 and < 64 ? Encoding.UTF8.GetString(binary.Bytes(data, data + length)) : null;
        }
        catch (InvalidDataException)
        {
            return null;
        }
    }

    [GeneratedRegex(@"^go(\d+)\.(\d+)")]
    private static partial Regex VersionPattern();
}
