using System.Net;
using Capture.Format;
using Capture.Format.Inspection;
using Capture.Format.Records;

namespace Capture.Format.Tests.CaptureFile;

public class RoundTripTests
{
    [Fact]
    public void Every_record_kind_reads_back_as_written()
    {
        var records = new List<CaptureRecord>
        {
            new ProcessRecord(1, 77, "curl", "curl -s http://127.0.0.1:8080/"),
            new ConnectionOpenedRecord(2, 9, 77, 5, "curl", ConnectionRole.Client, ConnectionSource.Connect,
                new IPEndPoint(IPAddress.Loopback, 51000), new IPEndPoint(IPAddress.Loopback, 8080), ConnectionFlags.None, ConnectStartNs: 1),
            new ConnectionOpenedRecord(3, 10, 77, 6, "curl", ConnectionRole.Server, ConnectionSource.AlreadyOpen,
                new IPEndPoint(IPAddress.Parse("fe80::1"), 443), null, ConnectionFlags.Tls),
            new DataRecord(4, 9, Direction.Egress, 0, "GET / HTTP/1.1\r\n\r\n"u8.ToArray(), 0, DataFlags.None),
            new DataRecord(5, 9, Direction.Ingress, 0, Array.Empty<byte>(), 4096, DataFlags.FromFile | DataFlags.Unrecoverable),
            new ConnectionClosedRecord(6, 9, 18, 4096),
            new LossRecord(7, LossReason.PayloadCap, 0, 1 << 20),
            new TlsStackRecord(8, 77, TlsStack.Go, "/proc/77/root/srv/api", "go1.19.8", true, ""),
            new TlsStackRecord(8, 0, TlsStack.OpenSslShared, "/usr/lib/x86_64-linux-gnu/libssl.so.3", "", false, "attaching failed"),
        };
        byte[] file = SampleRecords.WriteToBytes(records);
        var (read, stats) = SampleRecords.ReadAll(file);

        Assert.True(stats.CleanClose);
        Assert.Equal(0, stats.CorruptBlocks);
        var trailer = Assert.IsType<TrailerRecord>(read[^1]);
        Assert.Equal(new TrailerRecord(99_000_000_000, 10, 2, 2, 18, 0, 1 << 20), trailer);
        RecordEquality.AssertSequence(records, read[..^1]);
    }

    [Fact]
    public void Tls_stack_records_are_listed_by_inspect_in_order_and_a_stack_from_a_newer_version_reads_as_unknown()
    {
        var records = new List<CaptureRecord>
        {
            new TlsStackRecord(1, 42, TlsStack.Go, "/proc/42/root/srv/api", "go1.16.8", false, "built with go1.16.8; Go 1.17 or later is needed"),
            new TlsStackRecord(2, 43, (TlsStack)200, "/opt/x", "", true, ""),
        };
        using var reader = new CaptureReader(new MemoryStream(SampleRecords.WriteToBytes(records)));

        var summary = CaptureSummary.Compute(reader);

        TlsStackSummary[] expected =
        [
            new(42, "go", "/proc/42/root/srv/api", "go1.16.8", false, "built with go1.16.8; Go 1.17 or later is needed"),
            new(43, "unknown", "/opt/x", "", true, ""),
        ];
        Assert.Equal(expected, summary.TlsStacks);
        Assert.Equal("go go1.16.8 /proc/42/root/srv/api (pid 42) not probed: built with go1.16.8; Go 1.17 or later is needed",
            summary.TlsStacks[0].ToString());
    }

    [Fact]
    public void Header_reads_back_with_its_options_and_version()
    {
        byte[] file = SampleRecords.WriteToBytes([]);
        using var reader = new CaptureReader(new MemoryStream(file));
        var expected = SampleRecords.Header();
        Assert.Equal(expected.HostName, reader.Header.HostName);
        Assert.Equal(expected.KernelRelease, reader.Header.KernelRelease);
        Assert.Equal(expected.MonotonicToWallOffsetNs, reader.Header.MonotonicToWallOffsetNs);
        Assert.Equal("8080", reader.Header.Options["port"]);
        Assert.Equal(FormatVersion.Current, reader.Header.Version);
    }

    [Fact]
    public void Wall_clock_is_monotonic_time_plus_the_header_offset()
    {
        var header = SampleRecords.Header() with { MonotonicToWallOffsetNs = 1_763_388_120_000_000_000 };
        Assert.Equal(new DateTimeOffset(2025, 11, 17, 14, 2, 0, TimeSpan.Zero).AddTicks(15),
            header.ToWallClock(1_500));
    }

    [Fact]
    public void Many_blocks_stream_back_in_order()
    {
        var records = SampleRecords.Exchanges(connections: 20, exchangesPerConnection: 30);
        byte[] file = SampleRecords.WriteToBytes(records, new CaptureWriterOptions { BlockSize = 4096 });
        var (read, stats) = SampleRecords.ReadAll(file);
        Assert.True(stats.Blocks > 50, $"expected many blocks, got {stats.Blocks}");
        RecordEquality.AssertSequence(records, read[..^1]);
    }

    [Fact]
    public void Json_api_traffic_compresses_at_least_threefold()
    {
        var records = SampleRecords.Exchanges(connections: 10, exchangesPerConnection: 200);
        long payload = records.OfType<DataRecord>().Sum(d => (long)d.Payload.Length);
        byte[] file = SampleRecords.WriteToBytes(records);
        Assert.True(payload / (double)file.Length >= 3, $"ratio {payload / (double)file.Length:F2}");
    }
}
