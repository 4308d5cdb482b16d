using Capture.Format.Records;

namespace Capture.Format;

/// <summary>
/// Puts the records of a later segment (a capture appended with cat) into the first segment's terms:
/// timestamps move onto the first header's clock (the difference of the wall-clock offsets, modulo 2^64,
/// so that <see cref="CaptureHeader.ToWallClock"/> of the first header gives each record's true wall time),
/// and each host space the segment uses (the top 16 bits of its connection ids, which every recording counts
/// from 1) becomes, on first sight, the lowest space no earlier segment uses.
/// </summary>
internal sealed class SegmentMapping(CaptureHeader first, CaptureHeader segment, HostSpaces spaces)
{
    private readonly ulong _clockShift = unchecked((ulong)(segment.MonotonicToWallOffsetNs - first.MonotonicToWallOffsetNs));
    private readonly Dictionary<ushort, ushort> _spaces = [];

    public CaptureRecord Map(CaptureRecord record) => record switch
    {
        DataRecord d => d with { TimestampNs = Time(d.TimestampNs), ConnectionId = Id(d.ConnectionId) },
        ConnectionOpenedRecord o => o with
        {
            TimestampNs = Time(o.TimestampNs),
            ConnectionId = Id(o.ConnectionId),
            ConnectStartNs = o.ConnectStartNs == 0 ? 0 : Time(o.ConnectStartNs),
        },
        ConnectionClosedRecord c => c with { TimestampNs = Time(c.TimestampNs), ConnectionId = Id(c.ConnectionId) },
        ProcessRecord p => p with { TimestampNs = Time(p.TimestampNs) },
        LossRecord l => l with { TimestampNs = Time(l.TimestampNs) },
        TrailerRecord t => t with { TimestampNs = Time(t.TimestampNs) },
        HostRecord h => h with { TimestampNs = Time(h.TimestampNs), IdSpace = Space(h.IdSpace) },
        _ => record,
    };

    private ulong Time(ulong ns) => unchecked(ns + _clockShift);

    private ulong Id(ulong id) => HostRecord.InSpace(id, Space(HostRecord.SpaceOf(id)));

    private ushort Space(ushort space)
    {
        if (!_spaces.TryGetValue(space, out ushort mapped))
            _spaces[space] = mapped = spaces.Take();
        return mapped;
    }
}
