using System.Buffers;
using System.Buffers.Binary;
using MessagePack;

namespace Capture.Format;

/// <summary>
/// The file preamble: magic, version, and a MessagePack map of header fields followed by its CRC-32C.
/// A map (not an array) because header fields are few and named fields age better.
/// </summary>
internal static class HeaderCodec
{
    public static byte[] Encode(CaptureHeader header)
    {
        var body = new ArrayBufferWriter<byte>(512);
        var w = new MessagePackWriter(body);
        w.WriteMapHeader(5);
        w.Write("host");
        w.Write(header.HostName);
        w.Write("kernel");
        w.Write(header.KernelRelease);
        w.Write("recorder");
        w.Write(header.RecorderVersion);
        w.Write("monoToWallNs");
        w.Write(header.MonotonicToWallOffsetNs);
        w.Write("options");
        w.WriteMapHeader(header.Options.Count);
        foreach (var (key, value) in header.Options)
        {
            w.Write(key);
            w.Write(value);
        }
        w.Flush();

        var bytes = new byte[CaptureFileLayout.FilePreambleSize + body.WrittenCount + 4];
        CaptureFileLayout.Magic.CopyTo(bytes);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(8), FormatVersion.Current.Major);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(10), FormatVersion.Current.Minor);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(12), (uint)body.WrittenCount);
        body.WrittenSpan.CopyTo(bytes.AsSpan(CaptureFileLayout.FilePreambleSize));
        uint crc = Crc32C.Compute(bytes.AsSpan(8, bytes.Length - 8 - 4));
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(bytes.Length - 4), crc);
        return bytes;
    }

    /// <summary>Reads and checks the preamble; leaves the stream at the first block.</summary>
    public static CaptureHeader Decode(Stream stream, string displayName)
    {
        Span<byte> preamble = stackalloc byte[CaptureFileLayout.FilePreambleSize];
        if (stream.ReadAtLeast(preamble, preamble.Length, throwOnEndOfStream: false) < preamble.Length
            || !preamble[..8].SequenceEqual(CaptureFileLayout.Magic))
            throw new CaptureFormatException($"{displayName} is not a capture file.");

        var version = new FormatVersion(
            BinaryPrimitives.ReadUInt16LittleEndian(preamble[8..]),
            BinaryPrimitives.ReadUInt16LittleEndian(preamble[10..]));
        if (version.Major != FormatVersion.Current.Major)
            throw new CaptureFormatException(
                $"{displayName} uses capture format {version}, and this version of capture reads format {FormatVersion.Current.Major}.x only.");

        uint length = BinaryPrimitives.ReadUInt32LittleEndian(preamble[12..]);
        if (length > CaptureFileLayout.MaxHeaderSize)
            throw new CaptureFormatException($"{displayName} has a corrupt header (length {length}).");
        var rest = new byte[length + 4];
        if (stream.ReadAtLeast(rest, rest.Length, throwOnEndOfStream: false) < rest.Length)
            throw new CaptureFormatException($"{displayName} ends inside its header.");

        uint state = Crc32C.Append(Crc32C.Start, preamble[8..]);
        state = Crc32C.Append(state, rest.AsSpan(0, (int)length));
        if (Crc32C.Finish(state) != BinaryPrimitives.ReadUInt32LittleEndian(rest.AsSpan((int)length)))
            throw new CaptureFormatException($"{displayName} has a corrupt header (checksum mismatch).");

        try
        {
            var header = ParseFields(new ReadOnlyMemory<byte>(rest, 0, (int)length)) with { Version = version };
            if (header.MonotonicToWallOffsetNs is <= -(long)RecordDecoder.MaxValue or >= (long)RecordDecoder.MaxValue)
                throw new CaptureFormatException($"{displayName} has a corrupt header (its clock offset is out of range).");
            return header;
        }
        catch (Exception e) when (e is MessagePackSerializationException or EndOfStreamException or OverflowException
                                       or ArgumentException or InvalidOperationException)
        {
            throw new CaptureFormatException($"{displayName} has a header that cannot be parsed.");
        }
    }

    private static CaptureHeader ParseFields(ReadOnlyMemory<byte> body)
    {
        var r = new MessagePackReader(body);
        string host = "", kernel = "", recorder = "";
        long offset = 0;
        var options = new Dictionary<string, string>();
        int fields = r.ReadMapHeader();
        for (int i = 0; i < fields; i++)
        {
            switch (r.ReadString())
            {
                case "host": host = r.ReadString() ?? ""; break;
                case "kernel": kernel = r.ReadString() ?? ""; break;
                case "recorder": recorder = r.ReadString() ?? ""; break;
                case "monoToWallNs": offset = r.ReadInt64(); break; // range-checked by the caller
                case "options":
                    int count = r.ReadMapHeader();
                    for (int j = 0; j < count; j++)
                        options[r.ReadString() ?? ""] = r.ReadString() ?? "";
                    break;
                default: RecordDecoder.SkipValue(ref r); break; // a field from a newer minor version
            }
        }
        return new CaptureHeader(host, kernel, recorder, offset, options);
    }
}
