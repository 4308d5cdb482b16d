using Capture.Format;
using Capture.Format.Records;

namespace Capture.Traffic.Reassembly;

/// <summary>
/// Streams the HTTP exchanges of a capture. Keeps state only for open connections and their
/// in-flight messages: a connection's state is dropped when it closes, and an exchange leaves as
/// soon as its response is complete. Enumerate once.
/// </summary>
public sealed class ExchangeExtractor
{
    // How often (in records) the start-order watermark is recomputed. It walks every open connection, so
    // with many open the interval grows; with few it stays short so the window (and GC survivors) stay small.
    private const int MinWatermarkInterval = 32;

    private readonly IEnumerable<CaptureRecord> _records;
    private readonly ExtractorOptions _options;
    private readonly Dictionary<ulong, ConnectionAssembler> _open = [];
    private readonly RecentlyClosed _closedIds = new(64 * 1024);
    private readonly ConnectionEnds<ConnectionAssembler> _ends = new();
    private readonly Dictionary<ConnectionAssembler, TwinConnections> _twins = [];
    private readonly Dictionary<ConnectionAssembler, AwaitingTwin> _awaiting = [];
    private int _recordsSinceTwinRelease;
    private readonly List<HttpExchange> _ready = [];
    private ulong _newestNs;
    private readonly Dictionary<ushort, HostRecord> _hosts = [];

    public ExchangeExtractor(CaptureReader reader, ExtractorOptions? options = null)
        : this(reader.Header, reader.ReadRecords(), options)
    {
    }

    public ExchangeExtractor(CaptureHeader header, IEnumerable<CaptureRecord> records, ExtractorOptions? options = null)
    {
        Header = header;
        _records = records;
        _options = options ?? ExtractorOptions.Default;
    }

    public CaptureHeader Header { get; }
    public ExtractionStats Stats { get; } = new();

    /// <summary>Hosts declared so far by host records (a merged capture declares them at its start); empty for one recording.</summary>
    public IReadOnlyCollection<HostRecord> DeclaredHosts => _hosts.Values;

    /// <summary>Connections whose state is held right now: the extractor's memory grows with this, not with the file.</summary>
    public int OpenConnections => _open.Count;

    /// <summary>
    /// For a live reader that follows a growing file and cannot wait for the next record (capture ls
    /// --follow): takes one record; the exchanges it completes are then in <see cref="TakeReady"/>.
    /// Use either this or the enumerations, not both.
    /// </summary>
    public void Add(CaptureRecord record) => Process(record);

    /// <summary>
    /// For a live reader: time has reached <paramref name="nowNs"/> (capture clock) without a record,
    /// so exchanges that waited for a twin since before the clock-skew window leave alone.
    /// </summary>
    public void AdvanceClock(ulong nowNs)
    {
        if (nowNs > _newestNs)
            _newestNs = nowNs;
        if (_awaiting.Count > 0)
            ReleaseTwinlessExchanges();
    }

    /// <summary>For a live reader at the end of the capture: every connection still open ends.</summary>
    public void Finish() => CloseAll();

    /// <summary>For a live reader: the exchanges completed since the last call, in the order they finished.</summary>
    public IReadOnlyList<HttpExchange> TakeReady()
    {
        if (_ready.Count == 0)
            return [];
        var ready = _ready.ToArray();
        _ready.Clear();
        return ready;
    }

    /// <summary>Exchanges in the order they finish (response complete, connection closed, or end of capture).</summary>
    public IEnumerable<HttpExchange> Exchanges()
    {
        foreach (var record in _records)
        {
            Process(record);
            // The consumer runs before the next record is processed, so the list is not touched meanwhile.
            for (int i = 0; i < _ready.Count; i++)
                yield return _ready[i];
            _ready.Clear();
        }
        CloseAll();
        foreach (var exchange in _ready)
            yield return exchange;
        _ready.Clear();
    }

    /// <summary>
    /// Exchanges sorted by request start (what HAR wants). Exchanges finish roughly in start order,
    /// so a bounded window re-sorts them: see <see cref="StartOrderWindow"/>.
    /// </summary>
    public IEnumerable<HttpExchange> ExchangesInStartOrder()
    {
        var window = new StartOrderWindow(_options.MaxReorderExchanges);
        int sinceWatermark = 0;
        foreach (var record in _records)
        {
            Process(record);
            foreach (var exchange in _ready)
                window.Add(exchange);
            _ready.Clear();
            if (window.Count > 0 && (++sinceWatermark >= Math.Max(MinWatermarkInterval, _open.Count / 8) || window.Count > _options.MaxReorderExchanges))
            {
                sinceWatermark = 0;
                foreach (var exchange in window.Release(Watermark()))
                    yield return exchange;
            }
        }
        CloseAll();
        foreach (var exchange in _ready)
            window.Add(exchange);
        _ready.Clear();
        foreach (var exchange in window.ReleaseAll())
            yield return exchange;
        Stats.OutOfOrder = window.OutOfOrder;
    }

    private void Process(CaptureRecord record)
    {
        if (record.TimestampNs > _newestNs)
            _newestNs = record.TimestampNs;
        if (_awaiting.Count > 0 && ++_recordsSinceTwinRelease >= MinWatermarkInterval)
            ReleaseTwinlessExchanges();
        switch (record)
        {
            case ConnectionOpenedRecord opened:
                Open(opened);
                break;
            case DataRecord data:
                Stats.DataRecords++;
                Stats.PayloadBytes += data.Payload.Length;
                if (_open.TryGetValue(data.ConnectionId, out var assembler))
                    assembler.Offer(data);
                else if (!_closedIds.Contains(data.ConnectionId))
                    Add(ConnectionInfo.Unknown(data.ConnectionId, HostOf(data.ConnectionId))).Offer(data);
                break;
            case ConnectionClosedRecord closed:
                if (_open.TryGetValue(closed.ConnectionId, out var closing))
                    Close(closing, closed.TimestampNs, closed.BytesSent, closed.BytesReceived);
                break;
            case HostRecord host:
                _hosts.TryAdd(host.IdSpace, host);
                break;
            case LossRecord loss:
                Stats.LostEvents += (long)loss.LostEvents;
                Stats.LostBytes += (long)loss.LostBytes;
                break;
        }
    }

    /// <summary>The host a host record gave the connection id's space, else the header's.</summary>
    private string HostOf(ulong connectionId) =>
        _hosts.TryGetValue(HostRecord.SpaceOf(connectionId), out var host) ? host.HostName : Header.HostName;

    private void Open(ConnectionOpenedRecord opened)
    {
        if (_open.ContainsKey(opened.ConnectionId) || _closedIds.Contains(opened.ConnectionId))
            return;
        var assembler = Add(ConnectionInfo.From(opened, HostOf(opened.ConnectionId)));
        var info = assembler.Info;
        if (_options.MergeTwinConnections && _ends.OtherEnd(info.TwinScope, info.Local, info.Remote) is { } mirror && !mirror.Closed && !_twins.ContainsKey(mirror))
        {
            bool mirrorIsClient = mirror.Info.Role == ConnectionRole.Client || assembler.Info.Role == ConnectionRole.Server;
            var twins = mirrorIsClient ? new TwinConnections(mirror, assembler) : new TwinConnections(assembler, mirror);
            _twins[mirror] = twins;
            _twins[assembler] = twins;
            Stats.TwinConnections++;
            // What the first end finished while its twin was not known yet is matched now.
            if (_awaiting.Remove(mirror, out var waited))
                waited.ReleaseAll(exchange => twins.Offer(exchange, mirrorIsClient, Ready));
        }
        else if (_options.MergeTwinConnections && ConnectionEnds<ConnectionAssembler>.OtherEndMayBeHere(info.Local, info.Remote))
            _awaiting[assembler] = new AwaitingTwin(assembler);
        _ends.Add(assembler, info.TwinScope, info.Local, info.Remote);
    }

    private ConnectionAssembler Add(ConnectionInfo info)
    {
        ConnectionAssembler? assembler = null;
        assembler = new ConnectionAssembler(info, _options.Parser, exchange => OnExchange(assembler!, exchange));
        _open[info.ConnectionId] = assembler;
        Stats.Connections++;
        return assembler;
    }

    private void OnExchange(ConnectionAssembler from, HttpExchange exchange)
    {
        if (_twins.TryGetValue(from, out var twins))
            twins.Offer(exchange, from == twins.Client, Ready);
        else if (_awaiting.TryGetValue(from, out var awaiting))
            awaiting.Hold(exchange);
        else
            Ready(exchange);
    }

    private void Close(ConnectionAssembler assembler, ulong timestampNs, ulong? bytesSent, ulong? bytesReceived)
    {
        assembler.Close(timestampNs, bytesSent, bytesReceived);
        if (assembler.IsHttp2)
            Stats.Http2Connections++;
        Stats.GapBytes += assembler.GapBytes;
        Stats.SkippedBytes += assembler.SkippedBytes;
        Stats.TunnelBytes += assembler.TunnelBytes;
        assembler.Dispose();
        _open.Remove(assembler.Info.ConnectionId);
        _closedIds.Add(assembler.Info.ConnectionId);
        _ends.Remove(assembler, assembler.Info.TwinScope, assembler.Info.Local, assembler.Info.Remote);
        if (_awaiting.Remove(assembler, out var awaiting))
            awaiting.ReleaseAll(Ready);
        if (_twins.TryGetValue(assembler, out var twins) && twins.BothClosed)
        {
            twins.Flush(Ready);
            Stats.DuplicateExchangesDropped += twins.DuplicatesDropped;
            _twins.Remove(twins.Client);
            _twins.Remove(twins.Server);
        }
    }

    /// <summary>The end of the capture closes every connection still open.</summary>
    private void CloseAll()
    {
        foreach (var assembler in _open.Values.ToList())
            Close(assembler, _newestNs, null, null);
    }

    private void Ready(HttpExchange exchange)
    {
        Stats.Exchanges++;
        _ready.Add(exchange);
    }

    private ulong ClockSkewNs => (ulong)_options.ClockSkew.Ticks * 100;

    /// <summary>Exchanges of a connection whose twin did not show up within the clock-skew window leave alone.</summary>
    private void ReleaseTwinlessExchanges()
    {
        _recordsSinceTwinRelease = 0;
        ulong skew = ClockSkewNs;
        if (_newestNs <= skew)
            return;
        foreach (var awaiting in _awaiting.Values)
            awaiting.ReleaseStartedBefore(_newestNs - skew, Ready);
    }

    /// <summary>No exchange still to come can start before this time.</summary>
    private ulong Watermark()
    {
        ulong skew = ClockSkewNs;
        ulong watermark = _newestNs > skew ? _newestNs - skew : 0;
        foreach (var assembler in _open.Values)
            if (assembler.OldestPendingStartNs is { } start && start < watermark)
                watermark = start;
        foreach (var twins in _twins.Values)
            if (twins.OldestHeldStartNs is { } held && held < watermark)
                watermark = held;
        foreach (var awaiting in _awaiting.Values)
            if (awaiting.OldestHeldStartNs is { } held && held < watermark)
                watermark = held;
        return watermark;
    }
}
