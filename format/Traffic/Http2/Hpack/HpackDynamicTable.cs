namespace Capture.Traffic.Http2.Hpack;

/// <summary>
/// The dynamic table of one HPACK decoder, newest entry first (RFC 7541 section 2.3.2).
/// For a connection joined mid-way it holds what was inserted since recording began and knows
/// whether older entries may still exist in the encoder's table: an encoder evicts oldest first,
/// so once the entries seen (at least <see cref="HpackEntry.Overhead"/> octets each) leave no room
/// for even one older entry, every older entry is provably gone.
/// </summary>
internal sealed class HpackDynamicTable
{
    private HpackEntry[] _ring = new HpackEntry[16];
    private int _oldest; // ring index of the oldest entry
    private int _unknownSizeEntries;

    internal HpackDynamicTable(int maxSize, bool olderEntriesMayExist)
    {
        MaxSize = maxSize;
        OlderEntriesMayExist = olderEntriesMayExist;
    }

    public int Count { get; private set; }
    /// <summary>Sum of the entry sizes (a lower bound while an entry's size is not exact).</summary>
    public long Size { get; private set; }
    /// <summary>The encoder's maximum table size, or an upper bound of it while it is not known.</summary>
    public int MaxSize { get; private set; }
    /// <summary>Entries inserted before decoding began may still be in the encoder's table (joined mid-way, or state lost in a gap).</summary>
    public bool OlderEntriesMayExist { get; private set; }
    /// <summary>Every entry the encoder can refer to is known here.</summary>
    public bool IsExact => !OlderEntriesMayExist && _unknownSizeEntries == 0;

    /// <summary>Entry <paramref name="newestFirst"/> (0 = the newest, which is HPACK index 62).</summary>
    public HpackEntry this[int newestFirst] => _ring[(_oldest + Count - 1 - newestFirst) & (_ring.Length - 1)];

    internal void Add(HpackEntry entry)
    {
        // An entry larger than the table empties it and is not added (RFC 7541 section 4.4).
        if (entry.Size > MaxSize && entry.SizeExact)
        {
            Clear(olderEntriesMayExist: false);
            return;
        }
        EvictUntilFits(MaxSize - entry.Size);
        if (Count == _ring.Length)
            Grow();
        _ring[(_oldest + Count) & (_ring.Length - 1)] = entry;
        Count++;
        Size += entry.Size;
        if (!entry.SizeExact)
            _unknownSizeEntries++;
    }

    /// <summary>A dynamic table size update: the new maximum is exact from now on.</summary>
    internal void SetMaxSize(int maxSize)
    {
        MaxSize = maxSize;
        EvictUntilFits(maxSize);
    }

    /// <summary>Only an upper bound of the maximum is known (the SETTINGS_HEADER_TABLE_SIZE limit).</summary>
    internal void SetMaxSizeBound(int bound) => MaxSize = bound;

    /// <summary>The encoder's table is no longer known (a header block was lost): start over as if joined mid-way.</summary>
    internal void Clear(bool olderEntriesMayExist)
    {
        Array.Clear(_ring);
        _oldest = 0;
        Count = 0;
        Size = 0;
        _unknownSizeEntries = 0;
        OlderEntriesMayExist = olderEntriesMayExist;
    }

    /// <summary>Evicts, oldest first, the entries that provably cannot stay when <paramref name="room"/> octets remain for them.</summary>
    private void EvictUntilFits(long room)
    {
        // Older unknown entries go first; if even one more (32 octets at least) cannot fit, none is left.
        if (OlderEntriesMayExist && Size + HpackEntry.Overhead > room)
            OlderEntriesMayExist = false;
        while (Count > 0 && Size > room)
        {
            var oldest = _ring[_oldest];
            _ring[_oldest] = default;
            _oldest = (_oldest + 1) & (_ring.Length - 1);
            Count--;
            Size -= oldest.Size;
            if (!oldest.SizeExact)
                _unknownSizeEntries--;
        }
    }

    private void Grow()
    {
        var bigger = new HpackEntry[_ring.Length * 2];
        for (int i = 0; i < Count; i++)
            bigger[i] = _ring[(_oldest + i) & (_ring.Length - 1)];
        _ring = bigger;
        _oldest = 0;
    }
}
