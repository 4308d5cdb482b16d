using Capture.Format.Records;

namespace Capture.Traffic.Reassembly;

/// <summary>
/// Puts one direction's data records in byte order. Records usually come in order; one that arrives
/// ahead of a hole (another CPU's event not yet seen) is held until the hole fills. If it does not
/// fill within a bounded number of records or bytes, or the stream ends, the hole is a gap.
/// Overlapping or repeated bytes are delivered once.
/// </summary>
internal sealed class StreamOrderer(Direction direction, bool startsMidStream)
{
    private const int MaxHeldRecords = 128;
    private const long MaxHeldBytes = 4 * 1024 * 1024;

    private readonly List<DataRecord> _held = [];
    private long _heldBytes;
    private ulong _next;
    private bool _started;

    /// <summary>Stream position of the next byte expected.</summary>
    public ulong NextOffset => _next;
    public long GapBytes { get; private set; }
    public long DuplicateBytes { get; private set; }

    public void Offer(DataRecord record, IStreamConsumer consumer)
    {
        if (!_started)
        {
            _started = true;
            // A connection open before recording began has no byte 0 to wait for.
            _next = startsMidStream ? record.StreamOffset : 0;
        }
        if (record.StreamOffset <= _next)
        {
            Deliver(record, consumer);
            DrainHeld(consumer);
            return;
        }
        int at = _held.FindLastIndex(r => r.StreamOffset <= record.StreamOffset) + 1;
        _held.Insert(at, record);
        _heldBytes += record.Payload.Length;
        while (_held.Count > MaxHeldRecords || _heldBytes > MaxHeldBytes)
        {
            GapTo(_held[0].StreamOffset, _held[0].TimestampNs, consumer);
            DrainHeld(consumer);
        }
    }

    /// <summary>The stream is over: holes before held records are gaps, and so is anything short of <paramref name="totalBytes"/>.</summary>
    public void Finish(ulong? totalBytes, ulong timestampNs, IStreamConsumer consumer)
    {
        while (_held.Count > 0)
        {
            GapTo(_held[0].StreamOffset, _held[0].TimestampNs, consumer);
            DrainHeld(consumer);
        }
        if (totalBytes is { } total && _started && total > _next)
            GapTo(total, timestampNs, consumer);
    }

    private void DrainHeld(IStreamConsumer consumer)
    {
        while (_held.Count > 0 && _held[0].StreamOffset <= _next)
        {
            var record = _held[0];
            _held.RemoveAt(0);
            _heldBytes -= record.Payload.Length;
            Deliver(record, consumer);
        }
    }

    private void GapTo(ulong offset, ulong timestampNs, IStreamConsumer consumer)
    {
        if (offset <= _next)
            return;
        long gap = (long)(offset - _next);
        GapBytes += gap;
        consumer.OnGap(direction, gap, timestampNs);
        _next = offset;
    }

    private void Deliver(DataRecord record, IStreamConsumer consumer)
    {
        ulong payloadEnd = record.StreamOffset + (ulong)record.Payload.Length;
        if (payloadEnd > _next)
        {
            int skip = (int)(_next - record.StreamOffset);
            DuplicateBytes += skip;
            consumer.OnData(direction, record.Payload[skip..], record.TimestampNs);
            _next = payloadEnd;
        }
        else
        {
            DuplicateBytes += record.Payload.Length;
        }
        // Bytes the call moved but the recorder did not keep (payload cap, sendfile it could not read).
        GapTo(record.EndOffset, record.TimestampNs, consumer);
    }
}
