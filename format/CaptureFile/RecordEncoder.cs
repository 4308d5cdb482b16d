using System.Net;
using Capture.Format.Records;
using MessagePack;

namespace Capture.Format;

/// <summary>
/// Writes records as MessagePack arrays [kind, timestamp, fields...]. Field order is the format:
/// new fields may only be appended, so older readers skip what they do not know.
/// </summary>
internal static class RecordEncoder
{
    public static void Write(ref MessagePackWriter w, CaptureRecord record)
    {
        switch (record)
        {
            case DataRecord d:
                w.WriteArrayHeader(8);
                w.Write((int)RecordKind.Data);
                w.Write(d.TimestampNs);
                w.Write(d.ConnectionId);
                w.Write((byte)d.Direction);
                w.Write(d.StreamOffset);
                w.Write(d.Payload.Span);
                w.Write(d.CutBytes);
                w.Write((uint)d.Flags);
                break;
            case ConnectionOpenedRecord c:
                w.WriteArrayHeader(c.Container is null ? 14 : 22);
                w.Write((int)RecordKind.ConnectionOpened);
                w.Write(c.TimestampNs);
                w.Write(c.ConnectionId);
                w.Write(c.Pid);
                w.Write(c.Fd);
                w.Write(c.ProcessName);
                w.Write((byte)c.Role);
                w.Write((byte)c.Source);
                WriteAddress(ref w, c.Local);
                w.Write(c.Local?.Port ?? 0);
                WriteAddress(ref w, c.Remote);
                w.Write(c.Remote?.Port ?? 0);
                w.Write((uint)c.Flags);
                w.Write(c.ConnectStartNs);
                if (c.Container is { } container)
                    WriteContainer(ref w, container);
                break;
            case ConnectionClosedRecord c:
                w.WriteArrayHeader(5);
                w.Write((int)RecordKind.ConnectionClosed);
                w.Write(c.TimestampNs);
                w.Write(c.ConnectionId);
                w.Write(c.BytesSent);
                w.Write(c.BytesReceived);
                break;
            case ProcessRecord p:
                w.WriteArrayHeader(5);
                w.Write((int)RecordKind.Process);
                w.Write(p.TimestampNs);
                w.Write(p.Pid);
                w.Write(p.Name);
                w.Write(p.CommandLine);
                break;
            case LossRecord l:
                w.WriteArrayHeader(5);
                w.Write((int)RecordKind.Loss);
                w.Write(l.TimestampNs);
                w.Write((byte)l.Reason);
                w.Write(l.LostEvents);
                w.Write(l.LostBytes);
                break;
            case TrailerRecord t:
                w.WriteArrayHeader(8);
                w.Write((int)RecordKind.Trailer);
                w.Write(t.TimestampNs);
                w.Write(t.Records);
                w.Write(t.Connections);
                w.Write(t.DataEvents);
                w.Write(t.DataBytes);
                w.Write(t.LostEvents);
                w.Write(t.LostBytes);
                break;
            case HostRecord h:
                w.WriteArrayHeader(5);
                w.Write((int)RecordKind.Host);
                w.Write(h.TimestampNs);
                w.Write(h.IdSpace);
                w.Write(h.HostName);
                w.Write(h.BootId);
                break;
            case TlsStackRecord t:
                w.WriteArrayHeader(8);
                w.Write((int)RecordKind.TlsStack);
                w.Write(t.TimestampNs);
                w.Write(t.Pid);
                w.Write((byte)t.Stack);
                w.Write(t.Path);
                w.Write(t.Version);
                w.Write(t.Probed);
                w.Write(t.Reason);
                break;
            default:
                throw new ArgumentException($"No encoding for record type {record.GetType().Name}.", nameof(record));
        }
    }

    /// <summary>Format 1.3: eight fields after connect_start_ns; unknown strings are nil.</summary>
    private static void WriteContainer(ref MessagePackWriter w, ContainerContext c)
    {
        w.Write(c.CgroupId);
        w.Write(c.CgroupPath);
        w.Write(c.NetNsInode);
        w.Write(c.NamespacePid);
        w.Write(c.ContainerId);
        w.Write(c.PodUid);
        w.Write(c.PodNamespace);
        w.Write(c.PodName);
    }

    /// <summary>4 or 16 raw bytes in network order, or nil when the address is unknown.</summary>
    private static void WriteAddress(ref MessagePackWriter w, IPEndPoint? endpoint)
    {
        if (endpoint is null)
        {
            w.WriteNil();
            return;
        }
        w.Write(endpoint.Address.GetAddressBytes());
    }
}
