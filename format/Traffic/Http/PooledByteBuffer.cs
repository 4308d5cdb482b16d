using System.Buffers;

namespace Capture.Traffic.Http;

/// <summary>A growable byte buffer on ArrayPool arrays, with cheap removal from the front (for unparsed stream bytes).</summary>
internal sealed class PooledByteBuffer : IDisposable
{
    private byte[] _array = [];
    private int _start;
    private int _end;

    public int Length => _end - _start;
    public ReadOnlySpan<byte> Span => _array.AsSpan(_start, _end - _start);

    public void Append(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
            return;
        EnsureRoom(data.Length);
        data.CopyTo(_array.AsSpan(_end));
        _end += data.Length;
    }

    public void RemovePrefix(int count)
    {
        _start += count;
        if (_start == _end)
            _start = _end = 0;
    }

    public void Clear() => _start = _end = 0;

    public byte[] ToArray() => Span.ToArray();

    /// <summary>Gives the array back to the pool (the buffer stays usable and rents again when it grows).</summary>
    public void Release()
    {
        if (_array.Length > 0)
            ArrayPool<byte>.Shared.Return(_array);
        _array = [];
        _start = _end = 0;
    }

    public void Dispose() => Release();

    private void EnsureRoom(int extra)
    {
        if (_array.Length - _end >= extra)
            return;
        int length = Length;
        if (_array.Length - length >= extra && _start > 0 && length <= _array.Length / 2)
        {
            // Enough room once the consumed front is dropped.
            _array.AsSpan(_start, length).CopyTo(_array);
        }
        else
        {
            var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(length + extra, Math.Max(256, _array.Length * 2)));
            _array.AsSpan(_start, length).CopyTo(bigger);
            if (_array.Length > 0)
                ArrayPool<byte>.Shared.Return(_array);
            _array = bigger;
        }
        _start = 0;
        _end = length;
    }
}
