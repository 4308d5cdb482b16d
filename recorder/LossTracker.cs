using Capture.Format.Records;
using Capture.Recorder.Interop;

namespace Capture.Recorder;

/// <summary>Turns the kernel's cumulative loss counters into loss records of what is new since the last look.</summary>
internal sealed class LossTracker
{
    private KernelCounters _seen;

    public IEnumerable<LossRecord> NewLosses(in KernelCounters now, ulong timestampNs)
    {
        var records = new List<LossRecord>(3);
        Add(records, timestampNs, LossReason.RingBufferFull, now.RingBufferFullEvents - _seen.RingBufferFullEvents,
            now.RingBufferFullBytes - _seen.RingBufferFullBytes);
        Add(records, timestampNs, LossReason.PayloadCap, now.CapEvents - _seen.CapEvents, now.CapBytes - _seen.CapBytes);
        Add(records, timestampNs, LossReason.ReadFault, now.ReadFaultEvents - _seen.ReadFaultEvents,
            now.ReadFaultBytes - _seen.ReadFaultBytes);
        _seen = now;
        return records;
    }

    private static void Add(List<LossRecord> records, ulong ts, LossReason reason, ulong events, ulong bytes)
    {
        if (events != 0 || bytes != 0)
            records.Add(new LossRecord(ts, reason, events, bytes));
    }
}
