namespace Capture.Traffic.Http;

/// <summary>Collects one message's decoded body up to a limit; bytes past the limit are only counted.</summary>
internal sealed class BodyAccumulator(int maxBytes) : IDisposable
{
    private readonly PooledByteBuffer _buffer = new();

    public bool OverLimit { get; private set; }

    public void Append(ReadOnlySpan<byte> data)
    {
        int room = maxBytes - _buffer.Length;
        if (data.Length > room)
        {
            OverLimit = true;
            data = data[..Math.Max(room, 0)];
        }
        _buffer.Append(data);
    }

    /// <summary>Hands out the body collected so far and starts over.</summary>
    public byte[] Take()
    {
        byte[] body = _buffer.Length == 0 ? [] : _buffer.ToArray();
        _buffer.Clear();
        OverLimit = false;
        return body;
    }

    public void Dispose() => _buffer.Dispose();
}
