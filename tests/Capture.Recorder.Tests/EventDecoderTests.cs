using System.Net;
using System.Runtime.InteropServices;
using Capture.Format.Records;
using Capture.Recorder.Interop;

namespace Capture.Recorder.Tests;

/// <summary>Raw events laid out as the kernel writes them, decoded into capture records.</summary>
public class EventDecoderTests : IDisposable
{
    private readonly string _proc = Directory.CreateTempSubdirectory("capture-proc-").FullName;
    private readonly List<CaptureRecord> _records = [];
    private readonly EventDecoder _decoder;

    public EventDecoderTests()
    {
        Directory.CreateDirectory(Path.Combine(_proc, "4242"));
        File.WriteAllText(Path.Combine(_proc, "4242", "comm"), "nginx\n");
        File.WriteAllText(Path.Combine(_proc, "4242", "cmdline"), "nginx: worker process\0");
        // The sink must copy: the decoder reuses its payload buffer after the call.
        _decoder = new EventDecoder(r => _records.Add(r is DataRecord d ? d with { Payload = d.Payload.ToArray() } : r),
            1 << 20, new RecordingStats(), new ProcessCatalog(_proc));
    }

    public void Dispose() => Directory.Delete(_proc, recursive: true);

    [Fact]
    public void A_connection_open_event_describes_the_process_once_and_maps_v4_mapped_addresses_to_IPv4()
    {
        var open = new ConnectionOpenEvent
        {
            Header = Header(KernelEventType.ConnectionOpen, 7),
            Fd = 12,
            Role = 2,
            Source = 3,
            Family = 10,
            LocalPort = 8080,
            RemotePort = 51000,
        };
        Span<byte> local = open.LocalAddress;
        IPAddress.Parse("::ffff:127.0.0.1").GetAddressBytes().CopyTo(local);
        Span<byte> remote = open.RemoteAddress;
        IPAddress.Parse("2001:db8::5").GetAddressBytes().CopyTo(remote);
        Span<byte> comm = open.Comm;
        "nginx"u8.CopyTo(comm);

        _decoder.Decode(Bytes(open));
        _decoder.Decode(Bytes(open with { Header = Header(KernelEventType.ConnectionOpen, 8) }));

        var process = Assert.Single(_records.OfType<ProcessRecord>());
        Assert.Equal((4242, "nginx", "nginx: worker process"), (process.Pid, process.Name, process.CommandLine));
        var first = _records.OfType<ConnectionOpenedRecord>().First();
        Assert.Equal(7UL, first.ConnectionId);
        Assert.Equal(12, first.Fd);
        Assert.Equal(ConnectionRole.Server, first.Role);
        Assert.Equal(ConnectionSource.AlreadyOpen, first.Source);
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 8080), first.Local);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("2001:db8::5"), 51000), first.Remote);
        Assert.Equal("nginx", first.ProcessName);
    }

    [Fact]
    public void A_data_event_carries_its_payload_offset_and_cut()
    {
        byte[] payload = "GET / HTTP/1.1\r\n\r\n"u8.ToArray();
        var data = new DataEvent
        {
            Header = Header(KernelEventType.Data, 3),
            StreamOffset = 1000,
            CutBytes = 5,
            PayloadLength = (uint)payload.Length,
            Direction = 1,
        };
        // Reserved space after the payload (the kernel reserves fixed sizes) must be ignored.
        _decoder.Decode([.. Bytes(data), .. payload, .. new byte[100]]);
        _decoder.Decode(Bytes(data with { PayloadLength = 0, CutBytes = 77, Flags = DataEvent.FlagReadFault }));

        var records = _records.OfType<DataRecord>().ToList();
        Assert.Equal(2, records.Count);
        Assert.Equal(payload, records[0].Payload.ToArray());
        Assert.Equal((3UL, Direction.Ingress, 1000UL, 5UL, DataFlags.None), (records[0].ConnectionId, records[0].Direction, records[0].StreamOffset, records[0].CutBytes, records[0].Flags));
        Assert.Equal(1000UL + (ulong)payload.Length + 5, records[0].EndOffset);
        Assert.True(records[1].Payload.IsEmpty);
        Assert.Equal((77UL, DataFlags.Unrecoverable), (records[1].CutBytes, records[1].Flags));
    }

    [Fact]
    public void A_close_event_gives_the_stream_totals_and_short_events_are_ignored()
    {
        _decoder.Decode(Bytes(new ConnectionCloseEvent { Header = Header(KernelEventType.ConnectionClose, 9), BytesSent = 10, BytesReceived = 20 }));
        _decoder.Decode(new byte[10]);
        _decoder.Decode(Bytes(Header(KernelEventType.Data, 1))); // a data header without its fields

        var closed = Assert.Single(_records);
        Assert.Equal(new ConnectionClosedRecord(1_000_000, 9, 10, 20), closed);
    }

    [Fact]
    public void Tls_flags_of_the_kernel_become_the_records_tls_flags()
    {
        _decoder.Decode(Bytes(new ConnectionOpenEvent { Header = Header(KernelEventType.ConnectionOpen, 4), Role = 1, Family = 2, Flags = ConnectionOpenEvent.FlagTls }));
        _decoder.Decode(Bytes(new ConnectionOpenEvent { Header = Header(KernelEventType.ConnectionOpen, 5), Role = 1, Family = 2 }));
        byte[] plaintext = "GET / HTTP/1.1\r\n"u8.ToArray();
        var data = new DataEvent { Header = Header(KernelEventType.Data, 4), PayloadLength = (uint)plaintext.Length, Flags = DataEvent.FlagTls };
        _decoder.Decode([.. Bytes(data), .. plaintext]);
        _decoder.Decode(Bytes(data with { PayloadLength = 0, CutBytes = 9, Flags = DataEvent.FlagTls | DataEvent.FlagReadFault }));
        _decoder.Decode([.. Bytes(data with { Header = Header(KernelEventType.Data, 5), Flags = 0 }), .. plaintext]);

        var opened = _records.OfType<ConnectionOpenedRecord>().ToList();
        Assert.Equal([ConnectionFlags.Tls, ConnectionFlags.None], opened.Select(o => o.Flags));
        var records = _records.OfType<DataRecord>().ToList();
        Assert.Equal([DataFlags.Tls, DataFlags.Tls | DataFlags.Unrecoverable, DataFlags.None], records.Select(r => r.Flags));
        Assert.Equal(2, _decoder.Stats.Requests); // a request line in TLS plaintext counts like one on a plain socket
    }

    [Fact]
    public void Requests_are_counted_in_the_request_direction_of_each_role()
    {
        var stats = _decoder.Stats;
        var open = new ConnectionOpenEvent { Header = Header(KernelEventType.ConnectionOpen, 1), Role = 1, Family = 2 };
        _decoder.Decode(Bytes(open));
        byte[] request = "POST /x HTTP/1.1\r\n"u8.ToArray();
        var egress = new DataEvent { Header = Header(KernelEventType.Data, 1), PayloadLength = (uint)request.Length, Direction = 0 };
        _decoder.Decode([.. Bytes(egress), .. request]);
        _decoder.Decode([.. Bytes(egress with { Direction = 1 }), .. request]); // a client reading a request line is not a request
        Assert.Equal(1, stats.Requests);
    }

    [Fact]
    public void Connections_of_a_process_that_exited_without_close_are_closed_with_the_lengths_seen()
    {
        var open = new ConnectionOpenEvent { Header = Header(KernelEventType.ConnectionOpen, 5), Role = 1, Family = 2 };
        _decoder.Decode(Bytes(open));
        byte[] request = "GET / HTTP/1.1\r\n\r\n"u8.ToArray();
        var egress = new DataEvent { Header = Header(KernelEventType.Data, 5), StreamOffset = 0, PayloadLength = (uint)request.Length, Direction = 0 };
        _decoder.Decode([.. Bytes(egress), .. request]);
        var ingress = new DataEvent { Header = Header(KernelEventType.Data, 5), StreamOffset = 0, PayloadLength = 0, CutBytes = 300, Direction = 1 };
        _decoder.Decode(Bytes(ingress));

        _decoder.CloseConnectionsOfExitedProcesses(9, _ => true); // still running: nothing happens
        Assert.Empty(_records.OfType<ConnectionClosedRecord>());
        _decoder.CloseConnectionsOfExitedProcesses(10, pid => pid != 4242);
        Assert.Equal(new ConnectionClosedRecord(10, 5, (ulong)request.Length, 300), Assert.Single(_records.OfType<ConnectionClosedRecord>()));
        _decoder.CloseConnectionsOfExitedProcesses(11, _ => false); // closed once only
        Assert.Single(_records.OfType<ConnectionClosedRecord>());
    }

    internal static KernelEventHeader Header(KernelEventType type, ulong connection) =>
        new() { Type = (uint)type, Tgid = 4242, TimestampNs = 1_000_000, ConnectionId = connection };

    internal static byte[] Bytes<T>(T value) where T : struct
    {
        var bytes = new byte[Marshal.SizeOf<T>()];
        MemoryMarshal.Write(bytes, in value);
        return bytes;
    }
}
