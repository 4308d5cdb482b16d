using Capture.Format.Records;

namespace Capture.Format;

/// <summary>
/// Puts the records of a later segment (a capture appended with cat) into the first segment's terms:
/// timestamps move onto the first header's clock (the difference of the wall-clock offsets, modulo 2^64,
/// so that <see cref="CaptureHeader.ToWallClock"/> of the first header gives each record's true wall time),
/// and connection ids, which every recording counts from 1, get the segment number in their top 16 bits.
/// </summary>
internal sealed class SegmentMapping(CaptureHeader first, CaptureHeader segment, long index)
{
    private readonly ushort _index = (ushort)index;
    private readonly ulong _clockShift = unchecked((ulong)(segment.MonotonicToWallOffsetNs - first.MonotonicToWallOffsetNs));
    private readonly ulong _idSpace = (ulong)index << HostRecord.SpaceShift;

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
        HostRecord h => h with { TimestampNs = Time(h.TimestampNs), IdSpace = (ushort)(h.IdSpace ^ _index) },
        _ => record,
    };

    private ulong Time(ulong ns) => unchecked(ns + _clockShift);

    private ulong Id(ulong id) => id ^ _idSpace;
}
