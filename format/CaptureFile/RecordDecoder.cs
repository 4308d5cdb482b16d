using System.Buffers;
using System.Net;
using Capture.Format.Records;
using MessagePack;

namespace Capture.Format;

/// <summary>
/// Reads records written by <see cref="RecordEncoder"/>. Unknown kinds yield null and are skipped whole;
/// extra trailing fields of known kinds (added by a newer minor version) are skipped.
/// Every number is range-checked here, before any consumer sees it (docs/capture-format.md, "Ranges"):
/// a record outside them throws <see cref="InvalidRecordException"/>.
/// </summary>
internal static class RecordDecoder
{
    /// <summary>Timestamps, stream offsets and byte counts stay below 2^62, so sums and casts to long cannot overflow.</summary>
    public const ulong MaxValue = 1UL << 62;

    public static CaptureRecord? Read(ref MessagePackReader r)
    {
        int count = r.ReadArrayHeader();
        if (count < 2)
            throw new InvalidRecordException("a record needs at least a kind and a timestamp");
        int kind = r.ReadInt32();
        ulong ts = Bounded(r.ReadUInt64());
        int used = 2;
        CaptureRecord? record = (RecordKind)kind switch
        {
            RecordKind.Data when count >= 8 => ReadData(ref r, ts, ref used),
            RecordKind.ConnectionOpened when count >= 13 => ReadOpened(ref r, ts, count, ref used),
            RecordKind.ConnectionClosed when count >= 5 => new ConnectionClosedRecord(ts, Take(ref used, r.ReadUInt64()), Take(ref used, Bounded(r.ReadUInt64())), Take(ref used, Bounded(r.ReadUInt64()))),
            RecordKind.Process when count >= 5 => new ProcessRecord(ts, Take(ref used, r.ReadInt32()), Take(ref used, r.ReadString() ?? ""), Take(ref used, r.ReadString() ?? "")),
            RecordKind.Loss when count >= 5 => new LossRecord(ts, Known(Take(ref used, (LossReason)r.ReadByte()), LossReason.UserSpace, LossReason.Unknown),
                Take(ref used, Bounded(r.ReadUInt64())), Take(ref used, Bounded(r.ReadUInt64()))),
            RecordKind.Trailer when count >= 8 => new TrailerRecord(ts,
                Take(ref used, Bounded(r.ReadUInt64())), Take(ref used, Bounded(r.ReadUInt64())), Take(ref used, Bounded(r.ReadUInt64())),
                Take(ref used, Bounded(r.ReadUInt64())), Take(ref used, Bounded(r.ReadUInt64())), Take(ref used, Bounded(r.ReadUInt64()))),
            RecordKind.Host when count >= 5 => new HostRecord(ts, Take(ref used, r.ReadUInt16()), Take(ref used, r.ReadString() ?? ""), Take(ref used, r.ReadString() ?? "")),
            RecordKind.TlsStack when count >= 8 => new TlsStackRecord(ts, Take(ref used, r.ReadInt32()),
                Known(Take(ref used, (TlsStack)r.ReadByte()), TlsStack.Go, TlsStack.Unknown), Take(ref used, r.ReadString() ?? ""),
                Take(ref used, r.ReadString() ?? ""), Take(ref used, r.ReadBoolean()), Take(ref used, r.ReadString() ?? "")),
            _ => null,
        };
        for (; used < count; used++)
            SkipValue(ref r);
        return record;
    }

    private static T Take<T>(ref int used, T value)
    {
        used++;
        return value;
    }

    private static ulong Bounded(ulong value) =>
        value < MaxValue ? value : throw new InvalidRecordException($"a number ({value}) beyond the format's range");

    /// <summary>An enum value from a newer minor version (or a damaged one) reads as its Unknown member.</summary>
    private static T Known<T>(T value, T highest, T unknown) where T : struct, Enum =>
        Comparer<T>.Default.Compare(value, highest) <= 0 ? value : unknown;

    private static DataRecord ReadData(ref MessagePackReader r, ulong ts, ref int used)
    {
        ulong connectionId = r.ReadUInt64();
        var direction = (Direction)r.ReadByte();
        if (direction is not (Direction.Egress or Direction.Ingress))
            throw new InvalidRecordException($"direction {(byte)direction}");
        ulong offset = Bounded(r.ReadUInt64());
        // Copied out of the block buffer, which the reader reuses for the next block; its length is bounded by the block.
        byte[] payload = r.ReadBytes() is { } seq ? BuffersExtensions.ToArray(seq) : [];
        ulong cut = Bounded(r.ReadUInt64());
        Bounded(offset + (ulong)payload.Length + cut); // the end of this call's bytes in the stream
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
        var role = Known((ConnectionRole)r.ReadByte(), ConnectionRole.Server, ConnectionRole.Unknown);
        var source = Known((ConnectionSource)r.ReadByte(), ConnectionSource.AlreadyOpen, ConnectionSource.Unknown);
        IPEndPoint? local = ReadEndpoint(ref r);
        IPEndPoint? remote = ReadEndpoint(ref r);
        var flags = (ConnectionFlags)r.ReadUInt32();
        used += 11;
        ulong connectStart = count >= 14 ? Take(ref used, Bounded(r.ReadUInt64())) : 0; // format 1.1
        ContainerContext? container = count >= 22 ? ReadContainer(ref r, ref used) : null; // format 1.3
        return new ConnectionOpenedRecord(ts, connectionId, pid, fd, name, role, source, local, remote, flags, connectStart, container);
    }

    private static ContainerContext ReadContainer(ref MessagePackReader r, ref int used)
    {
        ulong cgroupId = r.ReadUInt64();
        string path = r.ReadString() ?? "";
        uint netns = r.ReadUInt32();
        int namespacePid = r.ReadInt32();
        string? containerId = r.ReadString();
        string? podUid = r.ReadString();
        string? podNamespace = r.ReadString();
        string? podName = r.ReadString();
        used += 8;
        return new ContainerContext(cgroupId, path, netns, namespacePid, containerId, podUid, podNamespace, podName);
    }

    private static IPEndPoint? ReadEndpoint(ref MessagePackReader r)
    {
        var bytes = r.ReadBytes();
        int port = r.ReadInt32();
        if (port is < IPEndPoint.MinPort or > IPEndPoint.MaxPort)
            throw new InvalidRecordException($"port {port}");
        if (bytes is not { } seq || (seq.Length != 4 && seq.Length != 16))
            return null;
        Span<byte> raw = stackalloc byte[16];
        BuffersExtensions.CopyTo(seq, raw);
        return new IPEndPoint(new IPAddress(raw[..(int)seq.Length]), port);
    }

    /// <summary>
    /// Skips one value of any shape without recursion: a hostile record nested a million arrays deep
    /// must not overflow the stack. Each element takes at least a byte, so the count stays bounded by the block.
    /// </summary>
    public static void SkipValue(ref MessagePackReader r)
    {
        long pending = 1;
        while (pending-- > 0)
        {
            switch (r.NextMessagePackType)
            {
                case MessagePackType.Array:
                    pending += r.ReadArrayHeader();
                    break;
                case MessagePackType.Map:
                    pending += 2L * r.ReadMapHeader();
                    break;
                default:
                    r.Skip();
                    break;
            }
        }
    }
}
