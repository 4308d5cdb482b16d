using Capture.Format.Records;

namespace Capture.Format;

/// <summary>
/// Merges captures from many hosts and windows into one (capture merge). Streaming: a k-way merge by
/// wall-clock time that holds one record and one block per input, whatever the file sizes. Each input's
/// connection ids move into host spaces of their own (<see cref="HostRecord"/>), declared at the start of
/// the output, so connections of different inputs never collide and each keeps its host. Records keep
/// their order within an input; across inputs they are ordered by wall clock (ties by input order).
/// </summary>
public sealed class CaptureMerger
{
    private readonly IReadOnlyList<CaptureReader> _inputs;
    private readonly List<HostRecord> _hosts = [];
    /// <summary>The host space of each recording met so far, by its recording id: its rotated windows share it.</summary>
    private readonly Dictionary<string, ushort> _recordingSpaces = [];
    /// <summary>Connections open in the output: a window that repeats the open record of a connection its recording already opened continues it.</summary>
    private readonly HashSet<ulong> _open = [];

    /// <param name="inputs">Open readers, one per input file, in the order the user named them.</param>
    public CaptureMerger(IReadOnlyList<CaptureReader> inputs)
    {
        if (inputs.Count == 0)
            throw new ArgumentException("Nothing to merge.", nameof(inputs));
        _inputs = inputs;
        Header = new CaptureHeader(
            string.Join(",", inputs.Select(i => i.Header.HostName).Distinct()),
            string.Join(",", inputs.Select(i => i.Header.KernelRelease).Distinct()),
            "capture merge",
            inputs.Min(i => i.Header.MonotonicToWallOffsetNs), // every input's shift onto this clock is then >= 0
            new Dictionary<string, string> { ["merged-inputs"] = inputs.Count.ToString(System.Globalization.CultureInfo.InvariantCulture) });
    }

    /// <summary>The output's header: its clock is the earliest input clock, so no input's times move backwards past 0.</summary>
    public CaptureHeader Header { get; }

    /// <summary>The hosts the output declares, one per host space, in the order they were given.</summary>
    public IReadOnlyList<HostRecord> Hosts => _hosts;

    /// <summary>Writes the merged records and a trailer with the output's totals to <paramref name="output"/>.</summary>
    public void WriteTo(CaptureWriter output, CancellationToken cancellation = default)
    {
        var sources = _inputs.Select((reader, index) => new Source(this, reader, index)).ToList();
        foreach (var source in sources)
            source.DeclareLeadingHosts(output);

        var queue = new PriorityQueue<Source, (long WallNs, int Input)>();
        foreach (var source in sources.Where(s => s.Current is not null))
            queue.Enqueue(source, (source.WallNs, source.Index));
        ulong lastNs = 0;
        while (queue.TryDequeue(out var source, out _))
        {
            cancellation.ThrowIfCancellationRequested();
            var record = Continued(source.MapCurrent(output));
            if (record is not null)
            {
                output.Write(record);
                lastNs = Math.Max(lastNs, record.TimestampNs);
            }
            if (source.MoveNext())
                queue.Enqueue(source, (source.WallNs, source.Index));
        }
        output.Complete(lastNs);
    }

    /// <summary>
    /// Null for the repeated open record of a connection that an earlier window of the same recording opened (the
    /// recorder repeats it at the start of each rotated file, so that each converts alone): the merge continues the
    /// connection instead, its stream positions already run on from the earlier window.
    /// </summary>
    private CaptureRecord? Continued(CaptureRecord? record)
    {
        switch (record)
        {
            case ConnectionOpenedRecord o when !_open.Add(o.ConnectionId):
                return null;
            case ConnectionClosedRecord c:
                _open.Remove(c.ConnectionId);
                break;
        }
        return record;
    }

    private HostRecord NewHost(string name, string bootId, ulong timestampNs)
    {
        if (_hosts.Count > ushort.MaxValue)
            throw new CaptureFormatException("The inputs hold more than 65,536 hosts or windows; merge them in smaller groups.");
        var host = new HostRecord(timestampNs, (ushort)_hosts.Count, name, bootId);
        _hosts.Add(host);
        return host;
    }

    /// <summary>One input: its next record, its clock shift onto the output's, and where its host spaces went.</summary>
    private sealed class Source(CaptureMerger merger, CaptureReader reader, int index)
    {
        private readonly IEnumerator<CaptureRecord> _records = reader.ReadRecords().GetEnumerator();
        private readonly long _clockShift = reader.Header.MonotonicToWallOffsetNs - merger.Header.MonotonicToWallOffsetNs;
        private readonly Dictionary<ushort, HostRecord> _declared = [];
        private readonly Dictionary<ushort, ushort> _spaces = [];

        public int Index => index;
        public CaptureRecord? Current { get; private set; }

        /// <summary>The current record's time on the output's clock (wall-clock order).</summary>
        public long WallNs { get; private set; }

        /// <summary>
        /// Reads the host records an input starts with (a merged input) and gives each its own output space; an
        /// input without them is one host, the header's (boot id from its "boot-id" option when it has one).
        /// </summary>
        public void DeclareLeadingHosts(CaptureWriter output)
        {
            MoveNext();
            while (Current is HostRecord host)
            {
                _declared.TryAdd(host.IdSpace, host);
                MoveNext();
            }
            if (_declared.Count == 0)
                Allocate(0, output);
            foreach (var space in _declared.Keys.Order().ToList())
                Allocate(space, output);
        }

        public bool MoveNext()
        {
            Current = _records.MoveNext() ? _records.Current : null;
            if (Current is not null)
                WallNs = Current is HostRecord ? 0 : OutputTime(Current.TimestampNs); // a host record is not copied: its time does not matter
            return Current is not null;
        }

        /// <summary>The current record in the output's terms, or null for one that is not copied (a trailer: the output has its own).</summary>
        public CaptureRecord? MapCurrent(CaptureWriter output)
        {
            ulong ts = (ulong)WallNs;
            return Current switch
            {
                DataRecord d => d with { TimestampNs = ts, ConnectionId = Id(d.ConnectionId, output) },
                ConnectionOpenedRecord o => o with
                {
                    TimestampNs = ts,
                    ConnectionId = Id(o.ConnectionId, output),
                    ConnectStartNs = o.ConnectStartNs == 0 ? 0 : (ulong)OutputTime(o.ConnectStartNs),
                },
                ConnectionClosedRecord c => c with { TimestampNs = ts, ConnectionId = Id(c.ConnectionId, output) },
                ProcessRecord p => p with { TimestampNs = ts },
                LossRecord l => l with { TimestampNs = ts },
                TlsStackRecord t => t with { TimestampNs = ts },
                HostRecord h => Declare(h),
                _ => null,
            };
        }

        /// <summary>A host record later in an input (a merged file joined with cat): it names a space used from here on.</summary>
        private CaptureRecord? Declare(HostRecord host)
        {
            _declared.TryAdd(host.IdSpace, host);
            return null;
        }

        private ulong Id(ulong connectionId, CaptureWriter output)
        {
            ushort space = HostRecord.SpaceOf(connectionId);
            if (!_spaces.TryGetValue(space, out ushort mapped))
                mapped = Allocate(space, output);
            return HostRecord.InSpace(connectionId, mapped);
        }

        private ushort Allocate(ushort space, CaptureWriter output)
        {
            // Windows of one recording (same recording id, no host records of their own) are one host space.
            string? recording = _declared.Count == 0 ? reader.Header.Options.GetValueOrDefault(CaptureHeader.RecordingIdOption) : null;
            if (recording is not null && merger._recordingSpaces.TryGetValue(recording, out ushort shared))
                return _spaces[space] = shared;
            var host = _declared.TryGetValue(space, out var declared)
                ? merger.NewHost(declared.HostName, declared.BootId, 0)
                : merger.NewHost(reader.Header.HostName, reader.Header.Options.GetValueOrDefault(CaptureHeader.BootIdOption, ""), 0);
            output.Write(host);
            _spaces[space] = host.IdSpace;
            if (recording is not null)
                merger._recordingSpaces[recording] = host.IdSpace;
            return host.IdSpace;
        }

        /// <summary>
        /// A time of this input on the output's clock. The reader has put later segments on the input's first
        /// clock modulo 2^64, so the signed value is the true one.
        /// </summary>
        private long OutputTime(ulong inputNs)
        {
            long ns = unchecked((long)inputNs + _clockShift);
            if (ns < 0 || (ulong)ns >= RecordDecoder.MaxValue)
                throw new CaptureFormatException($"{reader.Header.HostName}'s capture has times too far from the other inputs' to share one clock.");
            return ns;
        }
    }
}
