namespace Capture.Traffic.Reassembly;

/// <summary>
/// Ids of the most recently closed connections, so that a straggling data record (another CPU's
/// event that lost the race with the close) is dropped instead of starting a phantom connection.
/// Bounded, so memory does not grow with the number of connections in the file.
/// </summary>
internal sealed class RecentlyClosed(int capacity)
{
    private readonly HashSet<ulong> _ids = [];
    private readonly Queue<ulong> _order = new();

    public bool Contains(ulong id) => _ids.Contains(id);

    public void Add(ulong id)
    {
        if (!_ids.Add(id))
            return;
        _order.Enqueue(id);
        if (_order.Count > capacity)
            _ids.Remove(_order.Dequeue());
    }
}
