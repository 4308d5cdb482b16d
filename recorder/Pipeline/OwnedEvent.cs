using System.Buffers;

namespace Capture.Recorder.Pipeline;

/// <summary>
/// One kernel event copied out of the ring buffer into a pooled buffer, so that its ring slot is freed at
/// once and the event is decoded on the pipeline's thread. Exactly one holder owns it at a time: the ring
/// callback until it hands it to the channel, then the consumer, which calls <see cref="Release"/> after
/// decoding (the decoded records never point into it).
/// </summary>
internal readonly struct OwnedEvent
{
    private readonly byte[] _buffer;
    private readonly int _length;

    private OwnedEvent(byte[] buffer, int length)
    {
        _buffer = buffer;
        _length = length;
    }

    public static OwnedEvent CopyOf(ReadOnlySpan<byte> raw)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(raw.Length);
        raw.CopyTo(buffer);
        return new OwnedEvent(buffer, raw.Length);
    }

    public ReadOnlySpan<byte> Bytes => _buffer.AsSpan(0, _length);

    public int Length => _length;

    public void Release() => ArrayPool<byte>.Shared.Return(_buffer);
}
