using System.Buffers;
using System.Net;
using Capture.Format.Records;
using MessagePack;

namespace Capture.Format;

/// <summary>
/// Reads records written by <see cref="RecordEncoder"/>. Unknown kinds yield null and are skipped whole;
/// extra trailing fields of known kinds (added by a newer minor version) are skipped.
/// </summary>
internal static class RecordDecoder
{
    public static CaptureRecord? Read(ref MessagePackReader r)
    {
        int count = r.ReadArrayHeader();
        if (count < 2)
            throw new MessagePackSerializationException("A record needs at least a kind and a timestamp.");
        int kind = r.ReadInt32();
        ulong ts = r.ReadUInt64();
        int used = 2;
        CaptureRecord? record = (RecordKind)kind switch
        {
            RecordKind.Data when count >= 8 => ReadData(ref r, ts, ref used),
            RecordKind.ConnectionOpened when count >= 13 => ReadOpened(ref r, ts, count, ref used),
            RecordKind.ConnectionClosed when count >= 5 => new ConnectionClosedRecord(ts, Take(ref used, r.ReadUInt64()), Take(ref used, r.ReadUInt64()), Take(ref used, r.ReadUInt64())),
            RecordKind.Process when count >= 5 => new ProcessRecord(ts, Take(ref used, r.ReadInt32()), Take(ref used, r.ReadString() ?? ""), Take(ref used, r.ReadString() ?? "")),
            RecordKind.Loss when count >= 5 => new LossRecord(ts, (LossReason)Take(ref used, r.ReadByte()), Take(ref used, r.ReadUInt64()), Take(ref used, r.ReadUInt64())),
            RecordKind.Trailer when count >= 8 => new TrailerRecord(ts,
                Take(ref used, r.ReadUInt64()), Take(ref used, r.ReadUInt64()), Take(ref used, r.ReadUInt64()),
                Take(ref used, r.ReadUInt64()), Take(ref used, r.ReadUInt64()), Take(ref used, r.ReadUInt64())),
            _ => null,
        };
        for (; used < count; used++)
            r.Skip();
        return record;
    }

    private static T Take<T>(ref int used, T value)
    {
        used++;
        return value;
    }

    private static DataRecord ReadData(ref MessagePackReader r, ulong ts, ref int used)
    {
        ulong connectionId = r.ReadUInt64();
        var direction = (Direction)r.ReadByte();
        ulong offset = r.ReadUInt64();
        // Copied out of the block buffer, which the reader reuses for the next block.
        byte[] payload = r.ReadBytes() is { } seq ? BuffersExtensions.ToArray(seq) : [];
        ulong cut = r.ReadUInt64();
        var flags = (DataFlags)r.ReadUInt32();
        used += 6;
        return new DataRecord(ts, connectionId, direction, offset, payload, cut, flags);
    }

    private static ConnectionOpenedRecord ReadOpened(ref MessagePackReader r, ulong ts, int count, ref int used)
    {
        ulong connectionId = r.ReadUInt64();
        int pid = r.ReadInt32();
        int fd = r.ReadInt32();
        string name = r.ReadString() ?? "";
        var role = (ConnectionRole)r.ReadByte();
        var source = (ConnectionSource)r.ReadByte();
        IPEndPoint? local = ReadEndpoint(ref r);
        IPEndPoint? remote = ReadEndpoint(ref r);
        var flags = (ConnectionFlags)r.ReadUInt32();
        used += 11;
        ulong connectStart = count >= 14 ? Take(ref used, r.ReadUInt64()) : 0; // format 1.1
        return new ConnectionOpenedRecord(ts, connectionId, pid, fd, name, role, source, local, remote, flags, connectStart);
    }

    private static IPEndPoint? ReadEndpoint(ref MessagePackReader r)
    {
        var bytes = r.ReadBytes();
        int port = r.ReadInt32();
        if (bytes is not { } seq || (seq.Length != 4 && seq.Length != 16))
            return null;
        Span<byte> raw = stackalloc byte[16];
        BuffersExtensions.CopyTo(seq, raw);
        return new IPEndPoint(new IPAddress(raw[..(int)seq.Length]), port);
    }
}
