using Capture.Format;
using Capture.Format.Records;
using Capture.Recorder.Interop;
using Capture.Recorder.Pipeline;
using Capture.Recorder.Rotation;

namespace Capture.Recorder.Tests;

/// <summary>The recorder's stages after the ring: copied kernel events decoded and written on the pipeline's thread.</summary>
public class RecordingPipelineTests
{
    private static readonly CaptureHeader Header = new("host", "6.18", "test", 0, new Dictionary<string, string>());

    [Fact]
    public void Posted_events_are_decoded_and_written_in_order_once_complete_returns()
    {
        var file = new MemoryStream();
        var writer = new CaptureWriter(file, Header);
        var pipeline = new RecordingPipeline(CaptureOutput.Over(writer, "test.tcap", Header), new RecordingStats(), 1 << 20, maxFileBytes: null);
        for (ulong id = 1; id <= 500; id++)
            Assert.True(pipeline.Post(PipelineItem.Of(OwnedEvent.CopyOf(EventDecoderTests.Bytes(
                new ConnectionCloseEvent { Header = EventDecoderTests.Header(KernelEventType.ConnectionClose, id), BytesSent = id })))));
        pipeline.Complete();
        writer.Complete(1);

        using var reader = new CaptureReader(new MemoryStream(file.ToArray()));
        var closes = reader.ReadRecords().OfType<ConnectionClosedRecord>().Select(c => c.ConnectionId).ToList();
        Assert.Equal(Enumerable.Range(1, 500).Select(i => (ulong)i), closes);
    }

    [Fact]
    public void A_failing_file_stops_the_consumer_and_the_poster_is_told_instead_of_waiting_forever()
    {
        var writer = new CaptureWriter(new FailingStream(), Header, new CaptureWriterOptions { BlockSize = 4096 });
        var pipeline = new RecordingPipeline(CaptureOutput.Over(writer, "test.tcap", Header), new RecordingStats(), 1 << 20, maxFileBytes: null);
        byte[] data = [.. EventDecoderTests.Bytes(new DataEvent { Header = EventDecoderTests.Header(KernelEventType.Data, 1), PayloadLength = 8000 }), .. new byte[8000]];
        bool accepted = true;
        // Far more than the channel holds: once the consumer fails, Post must return false rather than block.
        for (int i = 0; i < 100_000 && accepted; i++)
            accepted = pipeline.Post(PipelineItem.Of(OwnedEvent.CopyOf(data)));
        pipeline.Complete();
        Assert.False(accepted);
        Assert.IsType<IOException>(pipeline.Failure);
    }

    /// <summary>A file on a full disk: the header goes through, the first block does not.</summary>
    private sealed class FailingStream : MemoryStream
    {
        public override void Write(byte[] buffer, int offset, int count)
        {
            if (Length > 0)
                throw new IOException("No space left on device");
            base.Write(buffer, offset, count);
        }

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            if (Length > 0)
                throw new IOException("No space left on device");
            base.Write(buffer);
        }
    }
}
