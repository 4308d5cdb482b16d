namespace Capture.Traffic.Http2.Hpack;

/// <summary>
/// One entry of an HPACK dynamic table. <see cref="Name"/> is null when the entry was inserted with a
/// name taken from an entry older than the recording; its <see cref="Size"/> is then a lower bound.
/// </summary>
/// <see cref="NameOctets"/> is what the name took in octets (a literal with an indexed name reuses it).
internal readonly record struct HpackEntry(string? Name, string Value, int NameOctets, int Size, bool SizeExact)
{
    /// <summary>RFC 7541 section 4.1: name and value octets plus 32 octets of overhead.</summary>
    public const int Overhead = 32;
}
