using Capture.Traffic.Http;
using Capture.Traffic.Http2;

namespace Capture.Traffic.Reassembly;

/// <summary>
/// One HTTP/2 stream as the exchange every sink reads: the pseudo-header fields give the method,
/// target and status, and stay in the header list (the HAR sink shows them as Chrome does).
/// A side whose head was never decoded, or lacks the pseudo-header fields that say what it was,
/// is a lost placeholder, as an HTTP/1 head lost in a gap is.
/// </summary>
internal static class Http2ExchangeMapping
{
    public static HttpExchange ToExchange(Http2Exchange stream, ConnectionInfo connection)
    {
        var request = stream.Request;
        var response = stream.Response;
        return new HttpExchange
        {
            Connection = connection,
            IndexOnConnection = stream.IndexOnConnection,
            Request = ToRequest(request),
            Response = response.Seen ? ToResponse(response) : null,
            Http2 = new Http2StreamInfo
            {
                StreamId = stream.StreamId,
                HpackIncomplete = stream.HpackIncomplete,
                UnknownHeaderFields = request.UnknownHeaders.Count + response.UnknownHeaders.Count,
                MayMissFrames = request.MayMissFrames || response.MayMissFrames,
                ResetErrorCode = stream.ResetErrorCode,
                ResetBy = stream.ResetBy,
                RefusedByGoAway = stream.RefusedByGoAway,
                PromisedOnStream = stream.PromisedOnStream,
            },
        };
    }

    private static HttpMessage ToRequest(Http2Message side)
    {
        string method = side.Method ?? "";
        // CONNECT names its target in :authority and has no :path (RFC 9113 section 8.5).
        string target = side.Path ?? (method == "CONNECT" ? side.Authority ?? "" : "");
        var message = Common(side, isRequest: true);
        message.Method = method;
        message.Target = target;
        message.Lost |= method.Length == 0 || target.Length == 0;
        return message;
    }

    private static HttpMessage ToResponse(Http2Message side)
    {
        var message = Common(side, isRequest: false);
        message.StatusCode = side.Status;
        message.Lost |= side.Status == 0;
        foreach (var informational in side.Informational)
        {
            var interim = new HttpMessage { IsRequest = false, Version = Http2StreamInfo.Version, HeadSize = -1 };
            interim.Headers.AddRange(informational);
            interim.StatusCode = interim.GetHeader(":status") is { } s && int.TryParse(s, out int code) ? code : 0;
            message.InterimResponses.Add(interim);
        }
        return message;
    }

    private static HttpMessage Common(Http2Message side, bool isRequest)
    {
        var message = new HttpMessage
        {
            IsRequest = isRequest,
            Version = Http2StreamInfo.Version,
            // HPACK-compressed head: the HTTP/1 notion of head bytes does not apply (Chrome writes -1 too).
            HeadSize = -1,
            Body = side.Body,
            WireBodySize = side.BodySize,
            FirstByteNs = side.FirstByteNs,
            LastByteNs = side.LastByteNs,
            GapBytes = side.GapBytes,
            Truncated = side.Truncated,
            Malformed = side.MalformedReason is not null,
            MalformedReason = side.MalformedReason,
            Lost = side.HeadersLost,
        };
        message.Headers.AddRange(side.Headers);
        message.Trailers.AddRange(side.Trailers);
        return message;
    }
}
