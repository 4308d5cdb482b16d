namespace Capture.Traffic.Http;

/// <summary>
/// Collects one message's body up to a limit (bytes past it are only counted): in a pooled buffer,
/// or, past the spill threshold, in a <see cref="SpilledBody"/> so that a large body is never held in memory.
/// It copies what it is given: callers may reuse their memory as soon as <see cref="Append"/> returns.
/// </summary>
internal sealed class BodyAccumulator(HttpParserOptions options) : IDisposable
{
    private readonly PooledByteBuffer _buffer = new();
    private SpilledBody? _spilled;
    private long _length;

    public bool OverLimit { get; private set; }

    public void Append(ReadOnlySpan<byte> data)
    {
        long room = options.MaxBodyBytes - _length;
        if (data.Length > room)
        {
            OverLimit = true;
            data = data[..(int)Math.Max(room, 0)];
        }
        if (data.IsEmpty)
            return;
        if (_spilled is null && (long)_buffer.Length + data.Length > options.SpillBodiesOverBytes)
        {
            _spilled = SpilledBody.Create(options.SpillDirectory);
            _spilled.Append(_buffer.Span);
            _buffer.Release();
        }
        if (_spilled is not null)
            _spilled.Append(data);
        else
            _buffer.Append(data);
        _length += data.Length;
    }

    /// <summary>Hands out the body collected so far (in memory, or spilled: then the caller owns the file) and starts over.</summary>
    public (ReadOnlyMemory<byte> InMemory, SpilledBody? Spilled) Take()
    {
        var body = (_buffer.Length == 0 ? ReadOnlyMemory<byte>.Empty : _buffer.ToArray(), _spilled);
        _buffer.Clear();
        _spilled = null;
        _length = 0;
        OverLimit = false;
        return body;
    }

    /// <summary>Drops a body that was being collected (the stream ended inside it without an owner for the data).</summary>
    public void Dispose()
    {
        _buffer.Dispose();
        _spilled?.Dispose();
        _spilled = null;
    }
}
