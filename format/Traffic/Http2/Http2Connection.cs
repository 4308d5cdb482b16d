using Capture.Traffic.Http;
using Capture.Traffic.Http2.Frames;
using Capture.Traffic.Http2.Hpack;

namespace Capture.Traffic.Http2;

/// <summary>
/// Rebuilds the exchanges of one HTTP/2 connection (RFC 9113) from its two byte streams: one
/// exchange per stream, handed out when both sides ended, or the stream was reset or refused by a
/// GOAWAY, or the connection ended. Streams are paired by id, so arrival order does not matter.
/// A connection joined mid-way decodes what it can and marks the rest (see docs/http2.md).
/// </summary>
internal sealed class Http2Connection : IConnectionParser
{
    private readonly Action<Http2Exchange> _emit;
    private readonly Http2ConnectionOptions _options;
    private readonly Http2Direction _clientToServer;
    private readonly Http2Direction _serverToClient;
    private readonly Dictionary<int, Http2Exchange> _open = [];
    // Streams closed and handed out; frames that still come for them (WINDOW_UPDATE, late RST_STREAM) are ignored.
    private readonly HashSet<int> _closed = [];
    private int _nextIndex;
    private bool _ended;

    /// <param name="emit">Receives each exchange once, when it is complete or can no longer change.</param>
    /// <param name="joinedMidStream">The connection was open before recording began: no preface, state unknown.</param>
    public Http2Connection(Action<Http2Exchange> emit, bool joinedMidStream = false, Http2ConnectionOptions? options = null)
    {
        _emit = emit;
        _options = options ?? Http2ConnectionOptions.Default;
        JoinedMidStream = joinedMidStream;
        _clientToServer = new Http2Direction(this, TrafficDirection.ClientToServer, joinedMidStream, _options);
        _serverToClient = new Http2Direction(this, TrafficDirection.ServerToClient, joinedMidStream, _options);
    }

    public bool JoinedMidStream { get; }
    /// <summary>The client connection preface was seen.</summary>
    public bool SawPreface { get; internal set; }
    /// <summary>The last GOAWAY seen: who sent it, the last stream it processed, and why.</summary>
    public (TrafficDirection From, int LastStreamId, uint ErrorCode)? GoAway { get; private set; }
    /// <summary>Bytes skipped while looking for frame boundaries, both directions.</summary>
    public long SkippedBytes => _clientToServer.Reader.SkippedBytes + _serverToClient.Reader.SkippedBytes;

    /// <summary>Start of the oldest stream begun and not handed out yet, if any.</summary>
    public ulong? OldestPendingStartNs
    {
        get
        {
            ulong? oldest = null;
            foreach (var exchange in _open.Values)
                if (exchange.Request.Seen || exchange.Response.Seen)
                    oldest = oldest is { } o ? Math.Min(o, exchange.StartNs) : exchange.StartNs;
            return oldest;
        }
    }

    /// <summary>The HPACK decoder of one direction (for inspection: its table, whether it is exact).</summary>
    public HpackDecoder DecoderFor(TrafficDirection direction) => Side(direction).Decoder;

    public void OnData(TrafficDirection direction, ReadOnlyMemory<byte> data, ulong timestampNs)
    {
        if (!_ended)
            Side(direction).Reader.Feed(data, timestampNs);
    }

    public void OnGap(TrafficDirection direction, long bytes, ulong timestampNs)
    {
        if (!_ended)
            Side(direction).Reader.Gap(bytes, timestampNs);
    }

    public void OnEnd(ulong timestampNs)
    {
        if (_ended)
            return;
        _clientToServer.Reader.End(timestampNs);
        _serverToClient.Reader.End(timestampNs);
        _ended = true;
        foreach (var exchange in _open.Values.OrderBy(e => e.IndexOnConnection).ToList())
        {
            foreach (var message in new[] { exchange.Request, exchange.Response })
                if (!message.Ended && exchange.ResetErrorCode is null && !exchange.RefusedByGoAway)
                    message.Truncated = true;
            Emit(exchange);
        }
    }

    public void Dispose()
    {
        _clientToServer.Dispose();
        _serverToClient.Dispose();
    }

    internal void OnHeaders(TrafficDirection direction, Http2FrameHeader frame, HeaderBlock block, ulong startNs, ulong endNs)
    {
        var exchange = StreamFor(frame.StreamId, createIfNew: true, startNs);
        if (exchange is null)
            return;
        var message = MessageOf(exchange, direction);
        Touch(message, startNs, endNs);
        if (block.Error is not null)
            message.MalformedReason ??= "HPACK: " + block.Error;
        bool headSeen = message.Headers.Count > 0 || message.UnknownHeaders.Count > 0 || message.HeadersLost;
        if (direction == TrafficDirection.ServerToClient && !headSeen && IsInformational(block))
        {
            message.Informational.Add(block.Fields);
        }
        else if (!headSeen && message.BodySize == 0 && (HasPseudoHeader(block) || block.HpackIncomplete))
        {
            message.Headers.AddRange(block.Fields);
            message.UnknownHeaders.AddRange(block.Unknown);
        }
        else
        {
            // After the head, or after data, or without pseudo-header fields: trailers (RFC 9113 section 8.1).
            message.Trailers.AddRange(block.Fields);
            message.UnknownHeaders.AddRange(block.Unknown);
            if (!headSeen)
                message.HeadersLost = true;
        }
        if (frame.Has(Http2Flags.EndStream))
            EndSide(exchange, message);
    }

    internal void OnPushPromise(int streamId, int promisedStreamId, HeaderBlock block, ulong startNs, ulong endNs)
    {
        if (_open.ContainsKey(promisedStreamId) || _closed.Contains(promisedStreamId))
            return;
        var pushed = Open(promisedStreamId);
        pushed.PromisedOnStream = streamId;
        var request = pushed.Request;
        Touch(request, startNs, endNs);
        request.Headers.AddRange(block.Fields);
        request.UnknownHeaders.AddRange(block.Unknown);
        if (block.Error is not null)
            request.MalformedReason = "HPACK: " + block.Error;
        request.Ended = true; // a promised request has no body
        if (_open.TryGetValue(streamId, out var parent))
            Touch(parent.Response, startNs, endNs);
    }

    internal void OnHeadersLost(TrafficDirection direction, int streamId, bool pushPromise, ulong timestampNs)
    {
        if (pushPromise)
            return; // the promised stream's id was in the lost bytes; its response will show up as a stream without request
        var exchange = StreamFor(streamId, createIfNew: true, timestampNs);
        if (exchange is null)
            return;
        var message = MessageOf(exchange, direction);
        Touch(message, timestampNs, timestampNs);
        message.MayMissFrames = true;
        if (message.Headers.Count == 0 && message.UnknownHeaders.Count == 0)
            message.HeadersLost = true;
    }

    internal void OnDataBegin(TrafficDirection direction, Http2FrameHeader frame, ulong timestampNs)
    {
        var exchange = StreamFor(frame.StreamId, createIfNew: true, timestampNs);
        if (exchange is not null)
            Touch(MessageOf(exchange, direction), timestampNs, timestampNs);
    }

    internal void OnData(TrafficDirection direction, Http2FrameHeader frame, ReadOnlySpan<byte> data, ulong timestampNs)
    {
        if (!_open.TryGetValue(frame.StreamId, out var exchange))
            return;
        var message = MessageOf(exchange, direction);
        message.LastByteNs = timestampNs;
        message.BodySize += data.Length;
        (message.BodyBuffer ??= new Http2BodyBuffer(_options.MaxBodyBytes, ExpectedLength(message))).Append(data);
    }

    internal void OnDataEnd(TrafficDirection direction, Http2FrameHeader frame, ulong timestampNs)
    {
        if (!_open.TryGetValue(frame.StreamId, out var exchange))
            return;
        var message = MessageOf(exchange, direction);
        message.LastByteNs = timestampNs;
        if (frame.Has(Http2Flags.EndStream))
            EndSide(exchange, message);
    }

    internal void OnDataGap(TrafficDirection direction, Http2FrameHeader frame, long bytes)
    {
        if (_open.TryGetValue(frame.StreamId, out var exchange))
            MessageOf(exchange, direction).GapBytes += bytes;
    }

    internal void OnSyncLost(TrafficDirection direction, ulong timestampNs)
    {
        // Which frames fell in the gap is unknown: every stream open on this direction may have lost some.
        foreach (var exchange in _open.Values)
        {
            var message = MessageOf(exchange, direction);
            if (!message.Ended)
                message.MayMissFrames = true;
        }
    }

    internal void OnReset(TrafficDirection direction, int streamId, uint errorCode, ulong timestampNs)
    {
        var exchange = StreamFor(streamId, createIfNew: false, timestampNs);
        if (exchange is null)
            return;
        exchange.ResetErrorCode = errorCode;
        exchange.ResetBy = direction;
        Touch(MessageOf(exchange, direction), timestampNs, timestampNs);
        Emit(exchange);
    }

    internal void OnGoAway(TrafficDirection from, int lastStreamId, uint errorCode)
    {
        GoAway = (from, lastStreamId, errorCode);
        // Streams the receiver of the GOAWAY initiated above last-stream-id were never processed (RFC 9113 section 6.8).
        bool clientInitiatedRefused = from == TrafficDirection.ServerToClient;
        foreach (var exchange in _open.Values.Where(e => e.StreamId > lastStreamId && IsClientInitiated(e.StreamId) == clientInitiatedRefused).ToList())
        {
            exchange.RefusedByGoAway = true;
            Emit(exchange);
        }
    }

    internal void OnSettings(TrafficDirection from, bool ack, ReadOnlySpan<byte> payload)
    {
        var sender = Side(from);
        var peer = Side(Other(from));
        if (ack)
        {
            // The peer acknowledged the oldest SETTINGS it got from the other side: from now on its encoder obeys it exactly.
            if (peer.UnacknowledgedTableSizes.TryDequeue(out int? acknowledged) && acknowledged is { } size)
                sender.Decoder.SetSizeLimit(size);
            return;
        }
        int? tableSize = null;
        if (Http2FramePayload.TryGetSetting(payload, Http2Settings.HeaderTableSize, out uint table))
        {
            tableSize = (int)Math.Min(table, HpackInteger.MaxValue);
            // Until the peer acknowledges, its encoder may still use the old limit: accept the larger of both.
            var decoderOfPeer = peer.Decoder;
            decoderOfPeer.SetSizeLimit(Math.Max(tableSize.Value, CurrentLimit(decoderOfPeer)));
        }
        sender.UnacknowledgedTableSizes.Enqueue(tableSize);
        if (Http2FramePayload.TryGetSetting(payload, Http2Settings.MaxFrameSize, out uint frameSize))
        {
            // What this side accepts bounds what the peer sends. Never lowered: a frame in flight may predate it.
            int bounded = (int)Math.Clamp(frameSize, (uint)Http2Settings.DefaultMaxFrameSize, (uint)Http2Settings.LargestFrameSize);
            peer.Reader.MaxFrameSize = Math.Max(peer.Reader.MaxFrameSize, bounded);
        }
    }

    internal void MarkMalformed(TrafficDirection direction, int streamId, string reason, ulong startNs, ulong endNs)
    {
        var exchange = StreamFor(streamId, createIfNew: true, startNs);
        if (exchange is null)
            return;
        var message = MessageOf(exchange, direction);
        Touch(message, startNs, endNs);
        message.MalformedReason ??= reason;
        if (message.Headers.Count == 0 && message.UnknownHeaders.Count == 0)
            message.HeadersLost = true;
    }

    private static int CurrentLimit(HpackDecoder decoder) => decoder.SizeLimit;

    private Http2Direction Side(TrafficDirection direction) =>
        direction == TrafficDirection.ClientToServer ? _clientToServer : _serverToClient;

    private static TrafficDirection Other(TrafficDirection direction) =>
        direction == TrafficDirection.ClientToServer ? TrafficDirection.ServerToClient : TrafficDirection.ClientToServer;

    private static Http2Message MessageOf(Http2Exchange exchange, TrafficDirection direction) =>
        direction == TrafficDirection.ClientToServer ? exchange.Request : exchange.Response;

    private static bool IsClientInitiated(int streamId) => (streamId & 1) == 1;

    /// <summary>content-length, when the head has a sane one: the size to allocate for the body at once.</summary>
    private static long ExpectedLength(Http2Message message) =>
        long.TryParse(message.GetHeader("content-length"), out long length) && length >= 0 ? length : 0;

    private static bool HasPseudoHeader(HeaderBlock block) => block.Fields.Count > 0 && block.Fields[0].Name.StartsWith(':');

    private static bool IsInformational(HeaderBlock block) =>
        block.Get(":status") is { Length: 3 } status && status[0] == '1';

    /// <summary>The open stream, or a new one (a stream whose start was not seen is opened with what we have), or null if it was closed.</summary>
    private Http2Exchange? StreamFor(int streamId, bool createIfNew, ulong timestampNs)
    {
        if (_open.TryGetValue(streamId, out var exchange))
            return exchange;
        if (!createIfNew || streamId == 0 || _closed.Contains(streamId) || _ended)
            return null;
        return Open(streamId);
    }

    private Http2Exchange Open(int streamId)
    {
        var exchange = new Http2Exchange(streamId, _nextIndex++);
        _open.Add(streamId, exchange);
        return exchange;
    }

    private static void Touch(Http2Message message, ulong startNs, ulong endNs)
    {
        if (!message.Seen)
            message.FirstByteNs = startNs;
        message.Seen = true;
        message.LastByteNs = Math.Max(message.LastByteNs, endNs);
    }

    private void EndSide(Http2Exchange exchange, Http2Message message)
    {
        message.Ended = true;
        if (exchange.Closed)
            Emit(exchange);
    }

    private void Emit(Http2Exchange exchange)
    {
        if (!_open.Remove(exchange.StreamId))
            return;
        _closed.Add(exchange.StreamId);
        foreach (var message in new[] { exchange.Request, exchange.Response })
        {
            if (message.BodyBuffer is { } buffer)
            {
                if (buffer.OverLimit)
                    message.Truncated = true;
                message.Body = buffer.Take();
                message.BodyBuffer = null;
            }
        }
        // A head never decoded: sent before recording began, or lost in a gap. A request always has one
        // (a pushed one from its promise); a response only once some of it was seen.
        foreach (var message in new[] { exchange.Request, exchange.Response })
            if (message.Headers.Count == 0 && message.UnknownHeaders.Count == 0 && (message.Seen || message == exchange.Request))
                message.HeadersLost = true;
        _emit(exchange);
    }
}
