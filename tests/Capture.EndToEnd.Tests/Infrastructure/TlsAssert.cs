using Capture.Format.Records;

namespace Capture.EndToEnd.Tests.Infrastructure;

/// <summary>Checks that a recording holds TLS plaintext only, never the records on the wire.</summary>
public static class TlsAssert
{
    /// <summary>
    /// Every data record of a TLS connection is flagged as plaintext, and no call's bytes in the whole
    /// capture start like a TLS record (content type 20-23, version 3.x), as handshakes and encrypted records do.
    /// </summary>
    public static void NoCiphertext(RecordedCapture capture)
    {
        foreach (var connection in capture.Connections.Where(c => (c.Opened.Flags & ConnectionFlags.Tls) != 0))
            Assert.All(connection.Data, d => Assert.True((d.Flags & DataFlags.Tls) != 0, $"{connection}: a data record without the TLS flag"));
        foreach (var data in capture.Records.OfType<DataRecord>())
        {
            var p = data.Payload.Span;
            bool recordHeader = p.Length >= 3 && p[0] is >= 0x14 and <= 0x17 && p[1] == 3 && p[2] <= 4;
            Assert.False(recordHeader, $"connection {data.ConnectionId}: a TLS record at stream offset {data.StreamOffset}");
        }
    }
}
