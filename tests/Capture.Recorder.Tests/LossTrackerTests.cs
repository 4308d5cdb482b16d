using Capture.Format.Records;
using Capture.Recorder.Interop;

namespace Capture.Recorder.Tests;

public class LossTrackerTests
{
    [Fact]
    public void Only_what_is_new_since_the_last_look_becomes_a_loss_record()
    {
        var tracker = new LossTracker();
        Assert.Empty(tracker.NewLosses(new KernelCounters(), 1));

        var first = tracker.NewLosses(new KernelCounters { RingBufferFullEvents = 3, RingBufferFullBytes = 300, CapEvents = 1, CapBytes = 50 }, 2).ToList();
        Assert.Equal([new LossRecord(2, LossReason.RingBufferFull, 3, 300), new LossRecord(2, LossReason.PayloadCap, 1, 50)], first);

        var second = tracker.NewLosses(new KernelCounters { RingBufferFullEvents = 4, RingBufferFullBytes = 310, CapEvents = 1, CapBytes = 50, ReadFaultEvents = 2, ReadFaultBytes = 9 }, 3).ToList();
        Assert.Equal([new LossRecord(3, LossReason.RingBufferFull, 1, 10), new LossRecord(3, LossReason.ReadFault, 2, 9)], second);

        // SSL calls without a socket are not losses of the recording: which connection, and so whether
        // the filters wanted them, is unknown (the summary reports them).
        Assert.Empty(tracker.NewLosses(new KernelCounters { RingBufferFullEvents = 4, RingBufferFullBytes = 310, CapEvents = 1, CapBytes = 50, ReadFaultEvents = 2, ReadFaultBytes = 9, TlsUnattributedEvents = 1, TlsUnattributedBytes = 77 }, 4));
    }

    [Theory]
    [InlineData(0u, 4096u)]
    [InlineData(5000u, 8192u)]
    [InlineData(64u << 20, 64u << 20)]
    [InlineData((64u << 20) + 1, 128u << 20)]
    public void Ring_buffer_sizes_are_rounded_up_to_a_power_of_two_pages(uint requested, uint expected) =>
        Assert.Equal(expected, KernelProgram.RingBufferSize(requested));

    [Theory]
    [InlineData(64u << 20, 256u << 10)]
    [InlineData(64u << 10, 16u << 10)]
    public void The_reader_is_woken_well_before_the_ring_is_full(uint ring, uint expected) =>
        Assert.Equal(expected, KernelProgram.WakeupThreshold(ring));
}
