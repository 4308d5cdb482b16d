using System.Net;

namespace Capture.Traffic.Reassembly;

/// <summary>
/// What <see cref="ExchangeFilter"/> looks at, taken from a reassembled exchange or from a request read
/// out of a HAR file, so that both are selected by the same rules.
/// </summary>
/// <param name="Pid">Process of the recorded end; <paramref name="PeerPid"/>: of the other end when both were traced.</param>
/// <param name="Target">The request target as sent: origin form ("/a?b"), absolute form or "*".</param>
/// <param name="Authority">The Host header (or the URL's authority), port included when it was given.</param>
/// <param name="Server">The server's address, when the recording knows it.</param>
public readonly record struct FilterSubject(int? Pid, int? PeerPid, string? Method, string Target, int Status, string? Authority, IPEndPoint? Server)
{
    public static FilterSubject Of(HttpExchange exchange) =>
        new(exchange.Connection.Pid, exchange.Peer?.Pid, exchange.Request?.Method, exchange.Request?.Target ?? "",
            exchange.Response?.StatusCode ?? 0, exchange.Request?.GetHeader("Host"), exchange.Connection.ServerEndPoint);
}
