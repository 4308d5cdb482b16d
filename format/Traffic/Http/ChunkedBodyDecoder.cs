namespace Capture.Traffic.Http;

/// <summary>
/// Incremental decoder of the chunked transfer coding (RFC 9112 section 7.1), trailers included.
/// It consumes only whole chunk-size and trailer lines, so the caller keeps any partial line for the next call.
/// </summary>
internal sealed class ChunkedBodyDecoder
{
    private const int MaxLineBytes = 8 * 1024;

    private enum State { Size, Data, DataEnd, Trailer, Done }

    private State _state = State.Size;
    private long _chunkRemaining;

    public bool IsDone => _state == State.Done;

    /// <summary>Bytes still expected in the current chunk's data, or 0 outside chunk data.</summary>
    public long ChunkRemaining => _state == State.Data ? _chunkRemaining : 0;

    public string? Error { get; private set; }

    public void Reset()
    {
        _state = State.Size;
        _chunkRemaining = 0;
        Error = null;
    }

    /// <summary>Bytes of a chunk's data that were never captured: skip them if they stay within the chunk.</summary>
    public bool TrySkipData(long count)
    {
        if (_state != State.Data || count > _chunkRemaining)
            return false;
        _chunkRemaining -= count;
        if (_chunkRemaining == 0)
            _state = State.DataEnd;
        return true;
    }

    /// <summary>Decodes as much as possible; returns bytes consumed. Stops at the end of the body or on <see cref="Error"/>.</summary>
    public int Decode(ReadOnlySpan<byte> input, BodyAccumulator body, List<HttpHeader> trailers)
    {
        int consumed = 0;
        while (_state != State.Done && Error is null)
        {
            ReadOnlySpan<byte> rest = input[consumed..];
            switch (_state)
            {
                case State.Size:
                {
                    if (!TryTakeLine(rest, out var line, out int used))
                        return consumed;
                    if (!TryParseSize(line, out _chunkRemaining))
                    {
                        Error = "invalid chunk size line";
                        return consumed;
                    }
                    consumed += used;
                    _state = _chunkRemaining == 0 ? State.Trailer : State.Data;
                    break;
                }
                case State.Data:
                {
                    if (rest.IsEmpty)
                        return consumed;
                    int take = (int)Math.Min(_chunkRemaining, rest.Length);
                    body.Append(rest[..take]);
                    consumed += take;
                    _chunkRemaining -= take;
                    if (_chunkRemaining == 0)
                        _state = State.DataEnd;
                    break;
                }
                case State.DataEnd:
                {
                    if (!TryTakeLine(rest, out var line, out int used))
                        return consumed;
                    if (!line.IsEmpty)
                    {
                        Error = "chunk data not followed by CRLF";
                        return consumed;
                    }
                    consumed += used;
                    _state = State.Size;
                    break;
                }
                case State.Trailer:
                {
                    if (!TryTakeLine(rest, out var line, out int used))
                        return consumed;
                    consumed += used;
                    if (line.IsEmpty)
                    {
                        _state = State.Done;
                        break;
                    }
                    Error = HttpHeadParser.ParseFields(rest[..used], trailers);
                    break;
                }
            }
        }
        return consumed;
    }

    /// <summary>A line without its CRLF (or bare LF); false while the line is not complete.</summary>
    private bool TryTakeLine(ReadOnlySpan<byte> input, out ReadOnlySpan<byte> line, out int used)
    {
        int nl = input.IndexOf((byte)'\n');
        if (nl < 0)
        {
            if (input.Length > MaxLineBytes)
                Error = "chunk line too long";
            line = default;
            used = 0;
            return false;
        }
        used = nl + 1;
        line = nl > 0 && input[nl - 1] == (byte)'\r' ? input[..(nl - 1)] : input[..nl];
        return true;
    }

    /// <summary>chunk-size [ chunk-ext ]: hex digits, then optional ";name=value" extensions which are ignored.</summary>
    private static bool TryParseSize(ReadOnlySpan<byte> line, out long size)
    {
        size = 0;
        int digits = 0;
        foreach (byte b in line)
        {
            int value = HexValue(b);
            if (value < 0)
                break;
            if (++digits > 15)
                return false;
            size = size * 16 + value;
        }
        if (digits == 0)
            return false;
        var rest = line[digits..].TrimStart(" \t"u8);
        return rest.IsEmpty || rest[0] == (byte)';';
    }

    private static int HexValue(byte b) => b switch
    {
        >= (byte)'0' and <= (byte)'9' => b - '0',
        >= (byte)'a' and <= (byte)'f' => b - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => b - 'A' + 10,
        _ => -1,
    };
}
