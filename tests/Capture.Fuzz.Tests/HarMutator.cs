using System.Text;
using System.Text.Json.Nodes;

namespace Capture.Fuzz.Tests;

/// <summary>
/// Damages real HAR files: values replaced by absurd numbers, dates and wrong types, deep nesting, huge
/// strings (bounded by what is generated in memory), duplicated entries, cut or flipped bytes.
/// </summary>
internal static class HarMutator
{
    private static readonly string[] AbsurdNumbers = ["1e16", "-1e16", "1e308", "-1e308", "1e400", "-1e400", "-0.0", "9223372036854775808", "-9223372036854775809", "18446744073709551616", "0.000000001", "4294967296", "-1", "2147483648"];
    private static readonly string[] AbsurdStrings = ["NaN", "Infinity", "-Infinity", "1e999", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59.9999999Z", "0000-00-00", "", "\u0000", "\r\nX: y"];

    public static (byte[] Bytes, string Steps) Mutate(Random random, IReadOnlyList<byte[]> seeds)
    {
        byte[] seed = seeds[random.Next(seeds.Count)];
        int kind = random.Next(10);
        if (kind == 0)
        {
            int cut = random.Next(seed.Length + 1);
            return (seed[..cut], $"truncate at {cut}");
        }
        if (kind == 1)
        {
            byte[] copy = (byte[])seed.Clone();
            int flips = random.Next(1, 9);
            for (int i = 0; i < flips; i++)
                copy[random.Next(copy.Length)] ^= (byte)(1 << random.Next(8));
            return (copy, $"flip {flips} bits");
        }

        var root = JsonNode.Parse(seed)!;
        var raw = new List<string>();
        var steps = new List<string>();
        if (kind == 2 && root["log"]?["entries"] is JsonArray entries && entries.Count > 0)
        {
            int copies = random.Next(1, 300);
            var entry = entries[random.Next(entries.Count)]!;
            for (int i = 0; i < copies; i++)
                entries.Add(entry.DeepClone());
            steps.Add($"{copies} copies of one entry");
        }
        var nodes = new List<JsonNode>();
        Collect(root, nodes);
        int changes = random.Next(1, 6);
        for (int i = 0; i < changes; i++)
        {
            var node = nodes[random.Next(1, nodes.Count)];
            var replacement = Hostile(random, raw, out string what);
            if (node.Parent is not { } parent)
                continue;
            if (parent is JsonObject o)
                o[node.GetPropertyName()] = replacement;
            else if (parent is JsonArray a)
                a[node.GetElementIndex()] = replacement;
            steps.Add($"{what} at {node.GetPath()}");
            nodes.Remove(node);
        }
        var text = new StringBuilder(root.ToJsonString());
        for (int i = 0; i < raw.Count; i++)
            text.Replace($"\"@raw{i}@\"", raw[i]);
        return (Encoding.UTF8.GetBytes(text.ToString()), string.Join(", ", steps));
    }

    private static void Collect(JsonNode node, List<JsonNode> into)
    {
        into.Add(node);
        if (node is JsonObject o)
            foreach (var (_, child) in o)
                if (child is not null)
                    Collect(child, into);
        if (node is JsonArray a)
            foreach (var child in a)
                if (child is not null)
                    Collect(child, into);
    }

    /// <summary>A value to put in place of another; text that JsonNode cannot hold (1e400, deep nesting) goes in through a placeholder.</summary>
    private static JsonNode? Hostile(Random random, List<string> raw, out string what)
    {
        switch (random.Next(8))
        {
            case 0 or 1:
                string number = AbsurdNumbers[random.Next(AbsurdNumbers.Length)];
                what = $"number {number}";
                return Raw(raw, number);
            case 2:
                string s = AbsurdStrings[random.Next(AbsurdStrings.Length)];
                what = $"string '{s}'";
                return JsonValue.Create(s);
            case 3:
                int depth = random.Next(2, 100_000);
                bool arrays = random.Next(2) == 0;
                what = $"nesting {depth} deep";
                return Raw(raw, arrays ? new string('[', depth) + new string(']', depth) : string.Concat(Enumerable.Repeat("{\"a\":", depth)) + "1" + new string('}', depth));
            case 4:
                int length = random.Next(16) == 0 ? random.Next(1 << 20, 16 << 20) : random.Next(0, 70_000);
                what = $"string of {length} chars";
                return JsonValue.Create(new string((char)random.Next('0', 'z'), length));
            case 5:
                what = "wrong type: object";
                return new JsonObject { ["x"] = 1 };
            case 6:
                what = "wrong type: array";
                return new JsonArray(1, "two", null);
            default:
                what = random.Next(2) == 0 ? "null" : "true";
                return what == "null" ? null : JsonValue.Create(true);
        }
    }

    private static JsonNode Raw(List<string> raw, string text)
    {
        raw.Add(text);
        return JsonValue.Create($"@raw{raw.Count - 1}@");
    }
}
