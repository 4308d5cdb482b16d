using System.Net;
using Capture.Traffic.Har;
using Capture.Format.Records;
using Capture.Traffic.Tests.Reassembly;

namespace Capture.Traffic.Tests.Har;

/// <summary>HAR blocked/connect/ssl from an observed connect(): only on the first exchange of a client connection.</summary>
public class ConnectionSetupTimingsTests
{
    private const ulong ConnectStart = 5_000_000_000;
    private const ulong Established = ConnectStart + 300_000;   // 0.3 ms handshake
    private const ulong FirstRequestByte = Established + 2_000_000; // 2 ms later

    private static HarLog Convert(ConnectionSource source, ConnectionRole role, ConnectionFlags flags, ulong connectStart)
    {
        var script = new RecordScript();
        script.Records.Add(new ConnectionOpenedRecord(Established, 1, 50, 7, "client", role, source,
            IPEndPoint.Parse("127.0.0.1:40000"), IPEndPoint.Parse("127.0.0.1:8080"), flags, connectStart));
        var first = role == ConnectionRole.Client ? Direction.Egress : Direction.Ingress;
        var answer = first == Direction.Egress ? Direction.Ingress : Direction.Egress;
        script.Tick(FirstRequestByte - script.Now - 1_000_000); // MakeData ticks 1 ms before each record
        script.Send(1, first, "GET /a HTTP/1.1\r\nHost: h\r\n\r\n");
        script.Send(1, answer, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        script.Send(1, first, "GET /b HTTP/1.1\r\nHost: h\r\n\r\n");
        script.Send(1, answer, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        string path = Path.Combine(Path.GetTempPath(), $"setup-{Guid.NewGuid():N}.har");
        try
        {
            using (var file = File.Create(path))
                HarConversion.Run(RecordScript.Header, script.Records, file);
            return HarReader.Read(path);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_plaintext_client_connection_shows_connect_and_the_wait_before_its_first_request_and_starts_at_connect()
    {
        var log = Convert(ConnectionSource.Connect, ConnectionRole.Client, ConnectionFlags.None, ConnectStart);
        var (first, second) = (log.Entries[0], log.Entries[1]);

        Assert.Equal(0.3, first.Timings.Connect, 6);
        Assert.Equal(2.0, first.Timings.Blocked, 6);
        Assert.Equal(-1, first.Timings.Ssl);
        Assert.Equal(RecordScript.Header.ToWallClock(ConnectStart), first.StartedDateTime);
        Assert.Equal(first.Timings.Blocked + first.Timings.Connect + first.Timings.Send + first.Timings.Wait + first.Timings.Receive, first.Time, 6);

        Assert.Equal((-1.0, -1.0, -1.0), (second.Timings.Connect, second.Timings.Blocked, second.Timings.Ssl));
    }

    [Fact]
    public void A_tls_client_connection_counts_the_time_to_its_first_plaintext_byte_as_ssl_inside_connect()
    {
        var first = Convert(ConnectionSource.Connect, ConnectionRole.Client, ConnectionFlags.Tls, ConnectStart).Entries[0];

        Assert.Equal(2.0, first.Timings.Ssl, 6);
        Assert.Equal(2.3, first.Timings.Connect, 6);
        Assert.Equal(-1, first.Timings.Blocked);
        Assert.Equal(first.Timings.Connect + first.Timings.Send + first.Timings.Wait + first.Timings.Receive, first.Time, 6);
    }

    [Theory]
    [InlineData(ConnectionSource.Connect, ConnectionRole.Client, 0UL)]                 // connect() not observed (format 1.0)
    [InlineData(ConnectionSource.Accept, ConnectionRole.Server, 0UL)]                  // a server never sees the client's connect
    [InlineData(ConnectionSource.AlreadyOpen, ConnectionRole.Client, ConnectStart)]    // opened before the recording
    public void Without_an_observed_connect_the_setup_phases_stay_minus_one(ConnectionSource source, ConnectionRole role, ulong connectStart)
    {
        var first = Convert(source, role, ConnectionFlags.None, connectStart).Entries[0];

        Assert.Equal((-1.0, -1.0, -1.0), (first.Timings.Connect, first.Timings.Blocked, first.Timings.Ssl));
        Assert.Equal(RecordScript.Header.ToWallClock(FirstRequestByte), first.StartedDateTime);
    }
}
