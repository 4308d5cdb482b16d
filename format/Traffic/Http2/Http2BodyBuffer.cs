namespace Capture.Traffic.Http2;

/// <summary>
/// Collects one message's DATA up to a limit (the rest is only counted). Sized from content-length
/// when the head gives one, so that a body is usually copied once, and handed out without another copy.
/// </summary>
internal sealed class Http2BodyBuffer(int maxBytes, long expectedLength)
{
    private byte[] _array = [];
    private int _length;

    public bool OverLimit { get; private set; }

    public void Append(ReadOnlySpan<byte> data)
    {
        int room = maxBytes - _length;
        if (data.Length > room)
        {
            OverLimit = true;
            data = data[..Math.Max(room, 0)];
        }
        if (data.IsEmpty)
            return;
        if (_array.Length - _length < data.Length)
        {
            long wanted = Math.Max(_length + (long)data.Length, Math.Max(_array.Length * 2L, Math.Min(expectedLength, maxBytes)));
            // Uninitialized: every octet handed out is written first.
            var bigger = GC.AllocateUninitializedArray<byte>((int)Math.Min(wanted, Math.Max(maxBytes, _length + data.Length)));
            _array.AsSpan(0, _length).CopyTo(bigger);
            _array = bigger;
        }
        data.CopyTo(_array.AsSpan(_length));
        _length += data.Length;
    }

    public ReadOnlyMemory<byte> Take() => _array.AsMemory(0, _length);
}
