using Capture.Traffic.Grpc;
using Capture.Format;
using Capture.Traffic.Har;
using Capture.Traffic.Reassembly;

namespace Capture.Replay.Input;

/// <summary>
/// Builds a replay plan straight from a capture file, through the format's reassembler, so a
/// recording can be replayed without converting it to HAR first.
/// </summary>
public static class CapturePlanReader
{
    public static ReplayPlan Load(string path, ExchangeFilter? filter = null)
    {
        using var reader = CaptureReader.Open(path);
        var extractor = new ExchangeExtractor(reader);
        var requests = new List<ReplayRequest>();
        int skipped = 0, filtered = 0;
        foreach (var exchange in extractor.ExchangesInStartOrder())
        {
            // Nothing to send without a request head; an upgraded connection (WebSocket, CONNECT) is not HTTP any more.
            if (exchange.Request is null || exchange.Request.Lost || exchange.Request.Malformed || exchange.Upgraded)
            {
                skipped++;
                continue;
            }
            int position = requests.Count + filtered; // counts filtered ones too, so indexes do not shift with filters
            if (filter is not null && !filter.Matches(exchange))
            {
                filtered++;
                continue;
            }
            requests.Add(ToRequest(exchange, reader.Header, position));
        }
        return new ReplayPlan(requests, path, skipped) { Filtered = filtered };
    }

    static ReplayRequest ToRequest(HttpExchange exchange, CaptureHeader header, int index)
    {
        var request = exchange.Request!;
        var response = exchange.Response;
        ulong endNs = response?.LastByteNs ?? 0;
        GrpcCall? grpc = exchange.Http2 is null ? null : GrpcCall.From(exchange);
        return new ReplayRequest
        {
            Index = index,
            Method = request.Method,
            Url = UrlParts.RequestUrl(request, exchange.Connection), // HAR's rule: the same URL from either input
            Headers = request.Headers.Select(h => new HeaderField(h.Name, h.Value)).ToList(),
            // De-chunked but still content-encoded: resent as it was, with its Content-Encoding header.
            Body = request.Body.ToArray(),
            Response = response is null || response.Lost
                ? new RecordedResponse(0, [], null, null)
                : new RecordedResponse(
                    response.StatusCode,
                    response.Headers.Select(h => new HeaderField(h.Name, h.Value)).ToList(),
                    exchange.DecodedResponseBody().ToArray(),
                    response.GetHeader("Content-Type"))
                {
                    // The traffic library's reading of a gRPC answer: status from the trailers, or a trailers-only HEADERS.
                    GrpcStatus = grpc?.Status,
                    GrpcMessage = grpc?.StatusMessage,
                },
            StartedAt = header.ToWallClock(exchange.StartNs),
            RecordedMilliseconds = endNs > request.FirstByteNs ? (endNs - request.FirstByteNs) / 1e6 : null,
            ConnectionId = RecordedConnection.Key(exchange.Connection.Host, exchange.Connection.ConnectionId.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            Pid = exchange.Connection.Pid,
            Incomplete = exchange.Incomplete,
            Truncated = exchange.Truncated,
            HttpVersion = RecordedHttpVersion.Parse(request.Version),
            StreamId = exchange.Http2?.StreamId,
        };
    }
}
