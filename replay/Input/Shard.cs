using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Serialization;

namespace Capture.Replay.Input;

/// <summary>
/// Shard <see cref="Index"/> of <see cref="Count"/> (1-based, "K/N"): a deterministic 1/N of the recorded
/// connections. Each connection goes whole to exactly one shard, so shards 1..N together replay the plan
/// once, and each connection keeps its recorded order within its shard.
/// </summary>
public readonly record struct Shard(int Index, int Count)
{
    public const int MaxCount = 10_000;

    [JsonIgnore]
    public bool IsValid => Count is >= 1 and <= MaxCount && Index >= 1 && Index <= Count;

    /// <summary>Reads "K/N"; null when the text is not two whole numbers with 1 ≤ K ≤ N ≤ <see cref="MaxCount"/>.</summary>
    public static Shard? Parse(string text)
    {
        string[] parts = text.Trim().Split('/');
        if (parts.Length != 2 ||
            !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int index) ||
            !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int count))
            return null;
        var shard = new Shard(index, count);
        return shard.IsValid ? shard : null;
    }

    public bool Contains(ReplayRequest request) => (int)(StableHash(KeyOf(request)) % (ulong)Count) == Index - 1;

    /// <summary>
    /// What one "connection" is for sharding: the recorded connection id (the same one that orders requests
    /// during a replay); a request recorded without one is its own connection, keyed by its place in the
    /// recording and its URL.
    /// </summary>
    public static string KeyOf(ReplayRequest request) => request.ConnectionId is string id
        ? "connection " + id
        : string.Create(CultureInfo.InvariantCulture, $"request {request.Index} {request.Url}");

    /// <summary>
    /// The first 8 bytes of the key's SHA-256 (UTF-8), big-endian: stable across runs, machines and .NET versions
    /// (string.GetHashCode is not), well spread for any N, and easy to reproduce in another tool.
    /// </summary>
    static ulong StableHash(string key) =>
        BinaryPrimitives.ReadUInt64BigEndian(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Index}/{Count}");
}
