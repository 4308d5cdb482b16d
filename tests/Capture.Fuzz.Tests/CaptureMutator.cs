using System.Buffers.Binary;

namespace Capture.Fuzz.Tests;

/// <summary>
/// Damages real capture files the ways disks, copies, crashes and hostile writers do. Each input is one
/// to three mutations stacked; the name of each is kept so a failure says what was done.
/// </summary>
internal static class CaptureMutator
{
    public static (byte[] Bytes, string Steps) Mutate(Random random, IReadOnlyList<byte[]> seeds, IReadOnlyList<ulong> connectionIds)
    {
        byte[] file = seeds[random.Next(seeds.Count)];
        var steps = new List<string>();
        int rounds = random.Next(1, 4);
        for (int i = 0; i < rounds; i++)
        {
            var (next, step) = Step(random, file, seeds, connectionIds);
            file = next;
            steps.Add(step);
        }
        return (file, string.Join(", ", steps));
    }

    private static (byte[], string) Step(Random random, byte[] file, IReadOnlyList<byte[]> seeds, IReadOnlyList<ulong> connectionIds)
    {
        try
        {
            return random.Next(10) switch
            {
                0 => Truncate(random, file),
                1 => FlipBits(random, file),
                2 => Splice(random, file, seeds[random.Next(seeds.Count)]),
                3 => Concatenate(file, seeds[random.Next(seeds.Count)]),
                4 => DuplicateOrDropBlock(random, file),
                5 or 6 => InsertHostileBlock(random, file, connectionIds),
                7 or 8 => MutateInsideValidBlock(random, file),
                _ => WrongRecordCount(random, file),
            };
        }
        catch (Exception e) when (e is ArgumentException or IndexOutOfRangeException or OverflowException or InvalidOperationException)
        {
            // An earlier step left blocks this one cannot take apart (a damaged length): damage it the blunt way.
            return FlipBits(random, file);
        }
    }

    private static (byte[], string) Truncate(Random random, byte[] file)
    {
        int cut = random.Next(file.Length + 1);
        return (file[..cut], $"truncate at {cut}");
    }

    private static (byte[], string) FlipBits(Random random, byte[] file)
    {
        byte[] copy = (byte[])file.Clone();
        int flips = random.Next(1, 9);
        for (int i = 0; i < flips && copy.Length > 0; i++)
            copy[random.Next(copy.Length)] ^= (byte)(1 << random.Next(8));
        return (copy, $"flip {flips} bits");
    }

    private static (byte[], string) Splice(Random random, byte[] a, byte[] b)
    {
        int head = random.Next(a.Length + 1), tail = random.Next(b.Length + 1);
        return ([.. a.AsSpan(0, head), .. b.AsSpan(tail)], $"splice {head} bytes + from {tail}");
    }

    private static (byte[], string) Concatenate(byte[] a, byte[] b) => ([.. a, .. b], "concatenate two files");

    private static (byte[], string) DuplicateOrDropBlock(Random random, byte[] file)
    {
        if (!TryParse(file, out var layout) || layout.Blocks.Count == 0)
            return Truncate(random, file);
        int index = random.Next(layout.Blocks.Count);
        if (random.Next(2) == 0)
        {
            layout.Blocks.Insert(random.Next(layout.Blocks.Count + 1), layout.Blocks[index]);
            return (layout.ToBytes(), $"duplicate block {index}");
        }
        layout.Blocks.RemoveAt(index);
        return (layout.ToBytes(), $"drop block {index}");
    }

    private static (byte[], string) InsertHostileBlock(Random random, byte[] file, IReadOnlyList<ulong> connectionIds)
    {
        if (!TryParse(file, out var layout))
            return FlipBits(random, file);
        int records = random.Next(1, 6);
        var body = new List<byte>();
        for (int i = 0; i < records; i++)
            body.AddRange(HostileRecords.One(random, connectionIds));
        uint count = random.Next(4) == 0 ? (uint)random.NextInt64(0, uint.MaxValue + 1L) : (uint)records;
        int at = random.Next(layout.Blocks.Count + 1);
        layout.Blocks.Insert(at, CaptureLayout.Seal(body.ToArray(), count, compress: random.Next(2) == 0));
        return (layout.ToBytes(), $"hostile block of {records} records (count {count}) at {at}");
    }

    /// <summary>Changes bytes of the decompressed records, then re-seals: the damage passes the checksum.</summary>
    private static (byte[], string) MutateInsideValidBlock(Random random, byte[] file)
    {
        if (!TryParse(file, out var layout) || layout.Blocks.Count == 0)
            return FlipBits(random, file);
        int index = random.Next(layout.Blocks.Count);
        var (records, count) = CaptureLayout.Open(layout.Blocks[index]);
        if (records.Length == 0)
            return FlipBits(random, file);
        int changes = random.Next(1, 6);
        for (int i = 0; i < changes; i++)
        {
            int at = random.Next(records.Length);
            records[at] = random.Next(3) switch
            {
                0 => (byte)random.Next(256),
                1 => (byte)(0xC4 + random.Next(0x20)), // a type byte with a length or a wide number after it
                _ => (byte)(records[at] ^ (1 << random.Next(8))),
            };
        }
        layout.Blocks[index] = CaptureLayout.Seal(records, (uint)count, compress: random.Next(2) == 0);
        return (layout.ToBytes(), $"{changes} bytes changed inside valid block {index}");
    }

    private static (byte[], string) WrongRecordCount(Random random, byte[] file)
    {
        if (!TryParse(file, out var layout) || layout.Blocks.Count == 0)
            return FlipBits(random, file);
        int index = random.Next(layout.Blocks.Count);
        var (records, _) = CaptureLayout.Open(layout.Blocks[index]);
        uint count = (uint)random.NextInt64(0, uint.MaxValue + 1L);
        layout.Blocks[index] = CaptureLayout.Seal(records, count, compress: true);
        return (layout.ToBytes(), $"record count {count} on block {index}");
    }

    /// <summary>Only a file whose preamble and blocks are still intact can be edited block by block.</summary>
    private static bool TryParse(byte[] file, out CaptureLayout layout)
    {
        layout = null!;
        if (file.Length < 16)
            return false;
        uint headerLength = BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(12));
        if (headerLength > file.Length - 20)
            return false;
        try
        {
            layout = CaptureLayout.Parse(file);
            return true;
        }
        catch (Exception e) when (e is ArgumentException or IndexOutOfRangeException or OverflowException)
        {
            return false;
        }
    }
}
