using Capture.Format.Records;

namespace Capture.Format;

/// <summary>
/// The host spaces (top 16 bits of connection ids) a reader has seen so far in a file, so that a later segment
/// (a capture appended with cat) gets spaces no earlier segment uses: a merged capture joined with cat keeps
/// its hosts apart from the recordings before it.
/// </summary>
internal sealed class HostSpaces
{
    private readonly bool[] _used = new bool[ushort.MaxValue + 1];
    private int _lowestFree;

    /// <summary>Notes the space a first-segment record uses (its connection id or, for a host record, its space).</summary>
    public void Note(CaptureRecord record)
    {
        switch (record)
        {
            case DataRecord d: Use(HostRecord.SpaceOf(d.ConnectionId)); break;
            case ConnectionOpenedRecord o: Use(HostRecord.SpaceOf(o.ConnectionId)); break;
            case ConnectionClosedRecord c: Use(HostRecord.SpaceOf(c.ConnectionId)); break;
            case HostRecord h: Use(h.IdSpace); break;
        }
    }

    /// <summary>The lowest space nobody uses yet, now taken (after 65,536 spaces, the last one again: no file gets there).</summary>
    public ushort Take()
    {
        while (_lowestFree <= ushort.MaxValue && _used[_lowestFree])
            _lowestFree++;
        ushort space = (ushort)Math.Min(_lowestFree, ushort.MaxValue);
        Use(space);
        return space;
    }

    private void Use(ushort space) => _used[space] = true;
}
