using Capture.Format.Records;
using Capture.Traffic.Http;
using Capture.Traffic.Http2;

namespace Capture.Traffic.Reassembly;

/// <summary>
/// Rebuilds the exchanges of one connection: orders each direction's bytes (holes become gaps),
/// decides from the first bytes which protocol the connection speaks (<see cref="ConnectionProtocols"/>)
/// and hands both directions to that protocol's <see cref="IConnectionParser"/>, HTTP/1.x or HTTP/2.
/// Every parser hands out the same <see cref="HttpExchange"/>.
/// </summary>
internal sealed class ConnectionAssembler : IStreamConsumer, IDisposable
{
    private readonly HttpParserOptions _parserOptions;
    private readonly Action<HttpExchange> _emit;
    private readonly StreamOrderer _egress;
    private readonly StreamOrderer _ingress;
    private readonly bool _startsMidStream;
    // Gaps seen before the first byte decided the protocol; handed to the parser once it exists.
    private List<(Direction Direction, long Bytes, ulong TimestampNs)>? _earlyGaps;

    private IConnectionParser? _parser;
    /// <summary>Which direction carries the client's bytes; decided from the role, or from the first bytes when the role is unknown.</summary>
    private Direction _clientDirection;

    public ConnectionAssembler(ConnectionInfo info, HttpParserOptions parserOptions, Action<HttpExchange> emit)
    {
        Info = info;
        _parserOptions = parserOptions;
        _emit = emit;
        _startsMidStream = info.Source == ConnectionSource.AlreadyOpen;
        _egress = new StreamOrderer(Direction.Egress, _startsMidStream);
        _ingress = new StreamOrderer(Direction.Ingress, _startsMidStream);
    }

    public ConnectionInfo Info { get; private set; }
    public bool Closed { get; private set; }
    /// <summary>The connection speaks HTTP/2 (seen from its start or joined mid-way).</summary>
    public bool IsHttp2 => _parser is Http2Connection;
    public long GapBytes => _egress.GapBytes + _ingress.GapBytes;
    public long SkippedBytes => _parser?.SkippedBytes ?? 0;
    public long TunnelBytes => (_parser as Http1ConnectionParser)?.TunnelBytes ?? 0;

    /// <summary>Start of the oldest exchange of this connection not yet handed out, if any.</summary>
    public ulong? OldestPendingStartNs => _parser?.OldestPendingStartNs;

    public void Offer(DataRecord record)
    {
        if (Closed)
            return;
        // TLS plaintext marks the connection https even when its opening record did not say so.
        if ((record.Flags & DataFlags.Tls) != 0 && !Info.IsTls)
            Info = Info with { IsTls = true };
        (record.Direction == Direction.Egress ? _egress : _ingress).Offer(record, this);
    }

    /// <summary>The connection closed (or the capture ended): settle gaps, end both streams, hand out everything left.</summary>
    public void Close(ulong timestampNs, ulong? bytesSent = null, ulong? bytesReceived = null)
    {
        if (Closed)
            return;
        _egress.Finish(bytesSent, timestampNs, this);
        _ingress.Finish(bytesReceived, timestampNs, this);
        Closed = true;
        _parser?.OnEnd(timestampNs);
    }

    void IStreamConsumer.OnData(Direction direction, ReadOnlyMemory<byte> data, ulong timestampNs)
    {
        if (data.IsEmpty)
            return;
        var parser = _parser ?? Choose(direction, data.Span);
        parser.OnData(Role(direction), data, timestampNs);
    }

    void IStreamConsumer.OnGap(Direction direction, long bytes, ulong timestampNs)
    {
        if (_parser is { } parser)
            parser.OnGap(Role(direction), bytes, timestampNs);
        else
            (_earlyGaps ??= []).Add((direction, bytes, timestampNs));
    }

    public void Dispose() => _parser?.Dispose();

    private TrafficDirection Role(Direction direction) =>
        direction == _clientDirection ? TrafficDirection.ClientToServer : TrafficDirection.ServerToClient;

    /// <summary>The first bytes of the connection: who is the client, and which protocol it speaks.</summary>
    private IConnectionParser Choose(Direction direction, ReadOnlySpan<byte> firstBytes)
    {
        bool? fromClient = Info.Role switch
        {
            ConnectionRole.Client => direction == Direction.Egress,
            ConnectionRole.Server => direction == Direction.Ingress,
            _ => null,
        };
        var protocol = ConnectionProtocols.Detect(firstBytes, fromClient, _startsMidStream);
        fromClient ??= InferFromClient(firstBytes, protocol);
        _clientDirection = fromClient.Value ? direction : Other(direction);
        if (Info.Role == ConnectionRole.Unknown)
            Info = Info with { Role = _clientDirection == Direction.Egress ? ConnectionRole.Client : ConnectionRole.Server };

        _parser = protocol == ConnectionProtocol.Http1
            ? new Http1ConnectionParser(() => Info, _parserOptions, _startsMidStream, _emit)
            : new Http2Connection(stream => _emit(Http2ExchangeMapping.ToExchange(stream, Info)),
                joinedMidStream: protocol == ConnectionProtocol.Http2MidStream,
                new Http2ConnectionOptions { MaxBodyBytes = _parserOptions.MaxBodyBytes });
        if (_earlyGaps is { } gaps)
        {
            foreach (var gap in gaps)
                _parser.OnGap(Role(gap.Direction), gap.Bytes, gap.TimestampNs);
            _earlyGaps = null;
        }
        return _parser;
    }

    /// <summary>Roles unknown: bytes starting with "HTTP/" are a response, a SETTINGS-first HTTP/2 stream the server's; anything else the client's.</summary>
    private static bool InferFromClient(ReadOnlySpan<byte> firstBytes, ConnectionProtocol protocol) => protocol switch
    {
        ConnectionProtocol.Http1 => !firstBytes.StartsWith("HTTP/"u8),
        _ => ConnectionProtocols.StartsWithPreface(firstBytes),
    };

    private static Direction Other(Direction direction) => direction == Direction.Egress ? Direction.Ingress : Direction.Egress;
}
