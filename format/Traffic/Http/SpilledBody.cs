using System.Buffers;
using Microsoft.Win32.SafeHandles;

namespace Capture.Traffic.Http;

/// <summary>
/// A body too large to keep in memory, in a temporary file (mode 0600, in $TMPDIR unless the parser
/// options name another directory). The file is unlinked as soon as it is created, so it never
/// outlives its handle: nothing is left behind when a conversion fails or the process is killed, and
/// <see cref="Dispose"/> gives the disk space back. Written once (by the parser or a decoder), through a
/// small buffer, then read any number of times with <see cref="OpenRead"/>.
/// </summary>
public sealed class SpilledBody : IDisposable
{
    private const int WriteBufferBytes = 64 * 1024;

    // The stream is kept (not only its handle) because its finalizer would close the handle under us.
    private readonly FileStream _stream;
    private readonly SafeFileHandle _file;
    private byte[]? _writeBuffer;
    private int _buffered;
    private long _written;

    private SpilledBody(FileStream stream, string? directory)
    {
        _stream = stream;
        Directory = directory;
        _file = stream.SafeFileHandle;
    }

    /// <summary>The directory given at creation (null: the system's temporary one), where bodies derived from this one go too.</summary>
    public string? Directory { get; }

    /// <summary>Bytes in the body.</summary>
    public long Length => _written + _buffered;

    /// <summary>A new, empty body file in <paramref name="directory"/> (null: the system's temporary directory).</summary>
    internal static SpilledBody Create(string? directory)
    {
        string path = Path.Combine(directory ?? Path.GetTempPath(), $"capture-body-{Guid.NewGuid():N}.tmp");
        // O_CREAT|O_EXCL under a random name: never follows a link someone planted in a shared folder.
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.ReadWrite, Share = FileShare.None, BufferSize = 0 };
        if (!OperatingSystem.IsWindows())
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        var stream = new FileStream(path, options);
        try
        {
            File.Delete(path); // the open handle keeps the data; no name is left to clean up
        }
        catch
        {
            stream.Dispose();
            throw;
        }
        return new SpilledBody(stream, directory);
    }

    internal void Append(ReadOnlySpan<byte> data)
    {
        ObjectDisposedException.ThrowIf(_file.IsClosed, this);
        while (!data.IsEmpty)
        {
            _writeBuffer ??= ArrayPool<byte>.Shared.Rent(WriteBufferBytes);
            if (_buffered == 0 && data.Length >= _writeBuffer.Length)
            {
                RandomAccess.Write(_file, data, _written); // big pieces skip the buffer
                _written += data.Length;
                return;
            }
            int take = Math.Min(data.Length, _writeBuffer.Length - _buffered);
            data[..take].CopyTo(_writeBuffer.AsSpan(_buffered));
            _buffered += take;
            data = data[take..];
            if (_buffered == _writeBuffer.Length)
                FlushWrites();
        }
    }

    /// <summary>A stream over the whole body from its start; several may be open at once.</summary>
    public Stream OpenRead()
    {
        ObjectDisposedException.ThrowIf(_file.IsClosed, this);
        FlushWrites();
        return new Reader(this);
    }

    /// <summary>The whole body as one array, for the rare caller that needs it all at once (a property read as a string).</summary>
    public byte[] ToArray()
    {
        if (Length > Array.MaxLength)
            throw new InvalidOperationException($"A body of {Length} bytes does not fit in one array.");
        var bytes = new byte[Length];
        using var stream = OpenRead();
        stream.ReadExactly(bytes);
        return bytes;
    }

    public void Dispose()
    {
        _stream.Dispose();
        if (_writeBuffer is { } buffer)
            ArrayPool<byte>.Shared.Return(buffer);
        _writeBuffer = null;
        _buffered = 0;
    }

    private void FlushWrites()
    {
        if (_buffered == 0)
            return;
        RandomAccess.Write(_file, _writeBuffer.AsSpan(0, _buffered), _written);
        _written += _buffered;
        _buffered = 0;
    }

    private sealed class Reader(SpilledBody body) : ForwardOnlyReadStream
    {
        private long _position;
        public override long Length => body.Length;
        public override int Read(Span<byte> buffer)
        {
            int wanted = (int)Math.Min(buffer.Length, body._written - _position);
            if (wanted <= 0)
                return 0;
            int read = RandomAccess.Read(body._file, buffer[..wanted], _position);
            _position += read;
            return read;
        }
    }
}
