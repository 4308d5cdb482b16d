namespace Capture.Traffic.Http;

/// <summary>A read-only stream over memory without copying it into a byte[] first.</summary>
internal sealed class MemoryReadStream(ReadOnlyMemory<byte> memory) : ForwardOnlyReadStream
{
    private int _position;
    public override long Length => memory.Length;
    public override int Read(Span<byte> buffer)
    {
        int n = Math.Min(buffer.Length, memory.Length - _position);
        memory.Span.Slice(_position, n).CopyTo(buffer);
        _position += n;
        return n;
    }
}
