using System.Buffers.Binary;
using System.Text;
using Capture.Traffic.Pcap;
using Capture.Format.Records;

namespace Capture.Traffic.Tests.Pcap;

/// <summary>What the exporter promises beyond what tshark shows: framing, streaming, filters, determinism.</summary>
public sealed class PcapExporterTests
{
    [Fact]
    public void File_is_one_section_one_ethernet_interface_with_nanosecond_resolution_and_one_block_per_packet()
    {
        var traffic = KeepAliveTraffic(connections: 3);
        var (bytes, stats) = Export(traffic);

        var blocks = PcapngBlocks.Read(bytes);
        Assert.Equal(PcapngBlocks.SectionHeader, blocks[0].Type);
        Assert.Equal(0x1A2B3C4Du, BinaryPrimitives.ReadUInt32LittleEndian(blocks[0].Body));
        Assert.Equal(1, BinaryPrimitives.ReadUInt16LittleEndian(blocks[0].Body.AsSpan(4)));

        var interfaceBlock = Assert.Single(blocks, b => b.Type == PcapngBlocks.InterfaceDescription);
        Assert.Equal(PcapExporter.LinkTypeEthernet, BinaryPrimitives.ReadUInt16LittleEndian(interfaceBlock.Body));
        var tsresol = Assert.Single(PcapngBlocks.Options(interfaceBlock.Body, 8), o => o.Code == 9);
        Assert.Equal([9], tsresol.Value);

        var packets = blocks.Where(b => b.Type == PcapngBlocks.EnhancedPacket).ToList();
        Assert.Equal(stats.Packets, packets.Count);
        Assert.Equal(blocks.Count, packets.Count + 2);
        foreach (var packet in packets)
        {
            Assert.Equal(0u, BinaryPrimitives.ReadUInt32LittleEndian(packet.Body));
            uint captured = BinaryPrimitives.ReadUInt32LittleEndian(packet.Body.AsSpan(12));
            Assert.Equal(captured, BinaryPrimitives.ReadUInt32LittleEndian(packet.Body.AsSpan(16)));
            var comment = Assert.Single(PcapngBlocks.Options(packet.Body, 20 + (int)((captured + 3) & ~3u)), o => o.Code == 1);
            Assert.StartsWith("pid 4242 (curl), connection ", Encoding.UTF8.GetString(comment.Value));
        }
    }

    [Fact]
    public void Memory_follows_open_connections_not_the_number_of_connections_in_the_file()
    {
        var traffic = KeepAliveTraffic(connections: 2000);
        using var exporter = new PcapExporter(Stream.Null, traffic.Header);
        int most = 0;
        foreach (CaptureRecord record in traffic.Records)
        {
            exporter.Write(record);
            most = Math.Max(most, exporter.TrackedConnections);
        }
        exporter.Complete();

        Assert.Equal(1, most);
        Assert.Equal(0, exporter.TrackedConnections);
        Assert.Equal(2000, exporter.Stats.Connections);
    }

    [Fact]
    public void Skipped_connections_are_forgotten_at_close_too()
    {
        var traffic = KeepAliveTraffic(connections: 50);
        var options = new PcapExportOptions { Selector = new ConnectionSelector { ConnectionIds = new HashSet<ulong> { 3 } } };
        using var exporter = new PcapExporter(Stream.Null, traffic.Header, options);
        foreach (CaptureRecord record in traffic.Records)
            exporter.Write(record);

        Assert.Equal(0, exporter.TrackedConnections);
        Assert.Equal(1, exporter.Stats.Connections);
        Assert.Equal(49, exporter.Stats.ConnectionsSkipped);
    }

    [Fact]
    public void Pid_port_and_connection_filters_select_connections()
    {
        var traffic = new RecordedTraffic();
        traffic.Open(1, ConnectionRole.Client, ConnectionSource.Connect, "127.0.0.1:50001", "127.0.0.1:8000", pid: 100).Egress(HttpSamples.CurlGet("/1")).Close();
        traffic.Open(2, ConnectionRole.Client, ConnectionSource.Connect, "127.0.0.1:50002", "127.0.0.1:9000", pid: 100).Egress(HttpSamples.CurlGet("/2")).Close();
        traffic.Open(3, ConnectionRole.Server, ConnectionSource.Accept, "127.0.0.1:8000", "127.0.0.1:50003", pid: 200).Ingress(HttpSamples.CurlGet("/3")).Close();
        traffic.WithoutOpen(4).Egress(HttpSamples.CurlGet("/4")).Close();

        Assert.Equal(4, Selected(traffic, new ConnectionSelector()));
        Assert.Equal(2, Selected(traffic, new ConnectionSelector { Pids = new HashSet<int> { 100 } }));
        Assert.Equal(2, Selected(traffic, new ConnectionSelector { Ports = new HashSet<int> { 8000 } }));
        Assert.Equal(1, Selected(traffic, new ConnectionSelector { Pids = new HashSet<int> { 100 }, Ports = new HashSet<int> { 8000 } }));
        Assert.Equal(2, Selected(traffic, new ConnectionSelector { ConnectionIds = new HashSet<ulong> { 3, 4 } }));
        Assert.Equal(1, Selected(traffic, new ConnectionSelector { Predicate = id => id == 2 }));
    }

    [Fact]
    public void Same_capture_gives_the_same_bytes()
    {
        var traffic = KeepAliveTraffic(connections: 20);
        Assert.Equal(Export(traffic).Bytes, Export(traffic).Bytes);
    }

    [Fact]
    public void Mtu_sets_the_largest_frame()
    {
        var traffic = new RecordedTraffic();
        traffic.Open(1, ConnectionRole.Client, ConnectionSource.Connect, "127.0.0.1:50001", "127.0.0.1:80")
            .Ingress(HttpSamples.NginxOk(HttpSamples.Html(50_000)));

        int Largest(int mtu) => PcapngBlocks.Read(Export(traffic, new PcapExportOptions { Mtu = mtu }).Bytes)
            .Where(b => b.Type == PcapngBlocks.EnhancedPacket)
            .Max(b => (int)BinaryPrimitives.ReadUInt32LittleEndian(b.Body.AsSpan(12)));

        Assert.Equal(14 + 1500, Largest(1500));
        Assert.Equal(14 + 9000, Largest(9000));
        Assert.Throws<ArgumentOutOfRangeException>(() => Export(traffic, new PcapExportOptions { Mtu = 100 }));
    }

    [Fact]
    public void Repeated_bytes_are_written_once()
    {
        var traffic = new RecordedTraffic();
        byte[] request = Encoding.ASCII.GetBytes(HttpSamples.CurlGet("/dup"));
        traffic.Open(1, ConnectionRole.Client, ConnectionSource.Connect, "127.0.0.1:50001", "127.0.0.1:80");
        traffic.Add(new DataRecord(traffic.Tick(), 1, Direction.Egress, 0, request, 0, DataFlags.None));
        traffic.Add(new DataRecord(traffic.Tick(), 1, Direction.Egress, 10, request.AsMemory(10), 0, DataFlags.None));

        var (_, stats) = Export(traffic);

        Assert.Equal(request.Length, stats.PayloadBytes);
        Assert.Equal(0, stats.Gaps);
    }

    private static int Selected(RecordedTraffic traffic, ConnectionSelector selector) =>
        (int)Export(traffic, new PcapExportOptions { Selector = selector }).Stats.Connections;

    private static (byte[] Bytes, PcapExportStats Stats) Export(RecordedTraffic traffic, PcapExportOptions? options = null)
    {
        using var output = new MemoryStream();
        var stats = PcapExporter.Export(traffic.Records, traffic.Header, output, options);
        return (output.ToArray(), stats);
    }

    /// <summary>Sequential keep-alive connections: open, two exchanges, close.</summary>
    private static RecordedTraffic KeepAliveTraffic(int connections)
    {
        var traffic = new RecordedTraffic();
        for (int i = 0; i < connections; i++)
        {
            traffic.Open((ulong)i, ConnectionRole.Client, ConnectionSource.Connect, $"127.0.0.1:{40000 + i}", "127.0.0.1:80")
                .Egress(HttpSamples.CurlGet("/a")).Ingress(HttpSamples.NginxOk("a"))
                .Egress(HttpSamples.CurlGet("/b")).Ingress(HttpSamples.NginxNotFound())
                .Close();
        }
        return traffic;
    }
}
