using Capture.Traffic.Pcap;

namespace Capture.Traffic.Tests.Pcap;

public sealed class InternetChecksumTests
{
    [Fact]
    public void Rfc1071_example_sums_to_the_published_value()
    {
        // RFC 1071 section 3: the words 0001 f203 f4f5 f6f7 sum to ddf2; the checksum is its complement.
        byte[] data = [0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7];
        byte[] stored = new byte[2];
        InternetChecksum.Write(stored, InternetChecksum.Compute(data));
        Assert.Equal([0x22, 0x0d], stored);
    }

    [Fact]
    public void A_real_ipv4_header_gets_its_real_checksum()
    {
        // A captured UDP packet's header, 192.168.0.1 -> 192.168.0.199, checksum b861 on the wire.
        byte[] header = Convert.FromHexString("450000730000400040110000c0a80001c0a800c7");
        byte[] stored = new byte[2];
        InternetChecksum.Write(stored, InternetChecksum.Compute(header));
        Assert.Equal([0xb8, 0x61], stored);
    }

    [Fact]
    public void Data_with_its_checksum_inserted_verifies_to_zero()
    {
        byte[] header = Convert.FromHexString("450000730000400040110000c0a80001c0a800c7");
        InternetChecksum.Write(header.AsSpan(10), InternetChecksum.Compute(header));
        Assert.Equal(0, InternetChecksum.Compute(header));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(31)]
    [InlineData(33)]
    [InlineData(1460)]
    [InlineData(65_535)]
    public void Matches_a_word_by_word_reference_for_any_length(int length)
    {
        var random = new Random(length);
        byte[] data = new byte[length];
        random.NextBytes(data);
        byte[] stored = new byte[2];
        InternetChecksum.Write(stored, InternetChecksum.Compute(data));
        Assert.Equal(Reference(data), (ushort)(stored[0] << 8 | stored[1]));
    }

    [Fact]
    public void Sums_of_parts_equal_the_sum_of_the_whole_when_parts_have_even_lengths()
    {
        var random = new Random(42);
        byte[] data = new byte[1001];
        random.NextBytes(data);
        ulong parts = InternetChecksum.Add(InternetChecksum.Add(InternetChecksum.Add(0, data.AsSpan(0, 20)), data.AsSpan(20, 40)), data.AsSpan(60));
        Assert.Equal(InternetChecksum.Compute(data), InternetChecksum.Finish(parts));
    }

    /// <summary>RFC 1071 as written: big-endian 16-bit words, end-around carry, complement.</summary>
    private static ushort Reference(byte[] data)
    {
        uint sum = 0;
        for (int i = 0; i < data.Length; i += 2)
        {
            uint word = (uint)data[i] << 8 | (i + 1 < data.Length ? data[i + 1] : 0u);
            sum += word;
            sum = (sum & 0xFFFF) + (sum >> 16);
        }
        return (ushort)~sum;
    }
}
