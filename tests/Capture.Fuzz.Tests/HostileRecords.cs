using System.Buffers;
using MessagePack;

namespace Capture.Fuzz.Tests;

/// <summary>
/// MessagePack records that a checksum cannot catch because the writer of the file meant them: numbers
/// out of every range, lengths that claim gigabytes, wrong types, deep nesting. Each is a whole record
/// (an array), shaped like one of the format's kinds so that the decoder gets past the kind.
/// </summary>
internal static class HostileRecords
{
    private static readonly ulong[] Unsigned = [0, 1, 2, 255, 65535, 65536, int.MaxValue, (ulong)int.MaxValue + 1, uint.MaxValue, long.MaxValue, (ulong)long.MaxValue + 1, ulong.MaxValue - 1, ulong.MaxValue];
    private static readonly long[] Signed = [long.MinValue, int.MinValue, -1, 0, 1, int.MaxValue, long.MaxValue];

    public static byte[] One(Random random, IReadOnlyList<ulong> knownConnectionIds)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var w = new MessagePackWriter(buffer);
        ulong connection = knownConnectionIds.Count > 0 && random.Next(2) == 0 ? knownConnectionIds[random.Next(knownConnectionIds.Count)] : AnyUnsigned(random);
        switch (random.Next(9))
        {
            case 0: // data: any direction, offset, cut, and a payload of a sane size
                w.WriteArrayHeader(8);
                w.Write(3);
                Number(ref w, random);
                w.Write(connection);
                Number(ref w, random);
                Number(ref w, random);
                w.Write(new byte[random.Next(0, 64)]);
                Number(ref w, random);
                Number(ref w, random);
                break;
            case 1: // connection opened with odd pid/fd/role/ports/addresses
                w.WriteArrayHeader(14);
                w.Write(2);
                Number(ref w, random);
                w.Write(connection);
                Number(ref w, random);
                Number(ref w, random);
                w.Write("x");
                Number(ref w, random);
                Number(ref w, random);
                w.Write(new byte[random.Next(3) switch { 0 => 4, 1 => 16, _ => random.Next(0, 40) }]);
                Number(ref w, random);
                w.Write(new byte[random.Next(2) == 0 ? 4 : 16]);
                Number(ref w, random);
                Number(ref w, random);
                Number(ref w, random);
                break;
            case 2: // closed, loss, trailer, host: every field any number
                int kind = random.Next(4) switch { 0 => 4, 1 => 5, 2 => 7, _ => 6 };
                int fields = random.Next(2, 10);
                w.WriteArrayHeader(fields);
                w.Write(kind);
                for (int i = 1; i < fields; i++)
                    Number(ref w, random);
                break;
            case 3: // a length that claims 4 GB (bin32/str32/array32/map32), with a few bytes after it
                w.WriteArrayHeader(8);
                w.Write(3);
                w.Write(1UL);
                w.Write(connection);
                w.Write((byte)0);
                w.Write(0UL);
                w.WriteRaw(new byte[] { random.Next(4) switch { 0 => (byte)0xC6, 1 => (byte)0xDB, 2 => (byte)0xDD, _ => (byte)0xDF }, 0xFF, 0xFF, 0xFF, (byte)random.Next(0xF0, 0x100), 1, 2, 3 });
                break;
            case 4: // deep nesting in a trailing field (a reader skips fields it does not know)
                w.WriteArrayHeader(6);
                w.Write(4);
                w.Write(1UL);
                w.Write(connection);
                w.Write(0UL);
                w.Write(0UL);
                int depth = random.Next(1_000, 200_000);
                for (int i = 0; i < depth; i++)
                    w.WriteArrayHeader(1);
                w.WriteNil();
                break;
            case 5: // wrong types where numbers belong
                w.WriteArrayHeader(8);
                w.Write(random.Next(1, 8));
                for (int i = 0; i < 7; i++)
                    AnyValue(ref w, random);
                break;
            case 6: // a kind that is not an int32
                w.WriteArrayHeader(3);
                Number(ref w, random);
                w.Write(1UL);
                w.WriteNil();
                break;
            case 7: // an array header that claims more elements than the block holds
                w.WriteRaw(new byte[] { 0xDD, 0x7F, 0xFF, 0xFF, 0xFF, 0x03, 0x01 });
                break;
            default: // a well-formed data record far beyond the stream (a gap of exabytes)
                w.WriteArrayHeader(8);
                w.Write(3);
                w.Write(AnyUnsigned(random));
                w.Write(connection);
                w.Write((byte)random.Next(2));
                w.Write(AnyUnsigned(random));
                w.Write(new byte[random.Next(0, 300)]);
                w.Write(AnyUnsigned(random));
                w.Write(0u);
                break;
        }
        w.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    private static ulong AnyUnsigned(Random random) => random.Next(3) == 0 ? (ulong)random.NextInt64() : Unsigned[random.Next(Unsigned.Length)];

    private static void Number(ref MessagePackWriter w, Random random)
    {
        if (random.Next(2) == 0)
            w.Write(AnyUnsigned(random));
        else
            w.Write(Signed[random.Next(Signed.Length)]);
    }

    private static void AnyValue(ref MessagePackWriter w, Random random)
    {
        switch (random.Next(6))
        {
            case 0: w.Write("not a number"); break;
            case 1: w.WriteNil(); break;
            case 2: w.Write(true); break;
            case 3: w.Write(1.5e300); break;
            case 4: w.WriteMapHeader(1); w.Write("k"); w.Write(-1); break;
            default: Number(ref w, random); break;
        }
    }
}
