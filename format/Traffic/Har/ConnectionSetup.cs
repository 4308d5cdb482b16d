using Capture.Format.Records;
using Capture.Traffic.Http;
using Capture.Traffic.Reassembly;

namespace Capture.Traffic.Har;

/// <summary>
/// The setup of a connection as the HAR timings of its first exchange show it, when the client's
/// connect() was observed: connect runs from the connect() call to the end of the TCP handshake.
/// What follows until the request's first byte is, on a TLS connection, the TLS handshake
/// (ssl, which HAR counts inside connect) and, on a plaintext one, the client's own delay (blocked).
/// The entry then starts at the connect() call, so that startedDateTime + time is when it ended.
/// </summary>
internal readonly record struct ConnectionSetup(ulong StartNs, double ConnectMs, double SslMs, double BlockedMs)
{
    private const double NsPerMs = 1_000_000.0;

    public static ConnectionSetup? Of(HttpExchange exchange, HttpMessage request)
    {
        var connection = exchange.Connection;
        bool observed = exchange.IndexOnConnection == 0 && connection.Source == ConnectionSource.Connect
            && connection.ConnectStartNs > 0 && connection.ConnectStartNs <= connection.OpenedNs
            && connection.OpenedNs <= request.FirstByteNs;
        if (!observed)
            return null;
        double tcp = (connection.OpenedNs - connection.ConnectStartNs) / NsPerMs;
        double untilRequest = (request.FirstByteNs - connection.OpenedNs) / NsPerMs;
        return connection.IsTls
            ? new ConnectionSetup(connection.ConnectStartNs, tcp + untilRequest, untilRequest, -1)
            : new ConnectionSetup(connection.ConnectStartNs, tcp, -1, untilRequest);
    }
}
