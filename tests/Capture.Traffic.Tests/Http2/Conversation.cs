using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using Capture.Traffic.Http2;
using Capture.Traffic.Http2.Frames;
using Capture.Traffic.Http2.Hpack;

namespace Capture.Traffic.Tests.Http2;

/// <summary>
/// A scripted HTTP/2 conversation: each step writes frames for one direction with that side's real
/// HPACK encoder, and becomes one chunk with its own timestamp (1000 ns apart), like one syscall.
/// </summary>
internal sealed class Conversation
{
    private ulong _ns;

    public HpackEncoder ClientEncoder { get; } = new();
    public HpackEncoder ServerEncoder { get; } = new();
    /// <summary>Chunks in capture order; a null Bytes is a gap of Length octets.</summary>
    public List<(TrafficDirection Direction, byte[]? Bytes, long Length, ulong Ns)> Chunks { get; } = [];

    public static Conversation WithPreface()
    {
        var c = new Conversation();
        c.Client(o => { Http2FrameWriter.WritePreface(o); Http2FrameWriter.WriteSettings(o); });
        c.Server(o => { Http2FrameWriter.WriteSettings(o); Http2FrameWriter.WriteSettingsAck(o); });
        c.Client(Http2FrameWriter.WriteSettingsAck);
        return c;
    }

    public ulong LastNs => _ns;

    public Conversation Client(Action<ArrayBufferWriter<byte>> write) => Add(TrafficDirection.ClientToServer, write);
    public Conversation Server(Action<ArrayBufferWriter<byte>> write) => Add(TrafficDirection.ServerToClient, write);

    public Conversation Gap(TrafficDirection direction, long bytes)
    {
        _ns += 1000;
        Chunks.Add((direction, null, bytes, _ns));
        return this;
    }

    public Conversation Request(int stream, string method, string path, bool endStream = true, params (string, string)[] extra) =>
        Client(o => Http2FrameWriter.WriteHeaders(o, ClientEncoder, stream,
            [(":method", method), (":scheme", "http"), (":authority", "example.test"), (":path", path), .. extra], endStream));

    public Conversation Response(int stream, int status, bool endStream = false, params (string, string)[] extra) =>
        Server(o => Http2FrameWriter.WriteHeaders(o, ServerEncoder, stream, [(":status", status.ToString()), .. extra], endStream));

    public Conversation ClientData(int stream, byte[] body, bool endStream = true) =>
        Client(o => Http2FrameWriter.WriteData(o, stream, body, endStream));

    public Conversation ServerData(int stream, byte[] body, bool endStream = true) =>
        Server(o => Http2FrameWriter.WriteData(o, stream, body, endStream));

    /// <summary>All bytes of one direction, gaps left out.</summary>
    public byte[] BytesOf(TrafficDirection direction) =>
        Chunks.Where(c => c.Direction == direction && c.Bytes is not null).SelectMany(c => c.Bytes!).ToArray();

    /// <summary>Feeds the chunks in order, each split at random points when <paramref name="split"/> is given.</summary>
    public List<Http2Exchange> Decode(bool joinedMidStream = false, Random? split = null, Http2ConnectionOptions? options = null)
    {
        var exchanges = new List<Http2Exchange>();
        using var connection = new Http2Connection(exchanges.Add, joinedMidStream, options);
        Feed(connection, split);
        connection.OnEnd(_ns + 1000);
        return exchanges;
    }

    public void Feed(Http2Connection connection, Random? split = null)
    {
        foreach (var (direction, bytes, length, ns) in Chunks)
        {
            if (bytes is null)
            {
                connection.OnGap(direction, length, ns);
                continue;
            }
            int pos = 0;
            while (pos < bytes.Length)
            {
                int take = split is null ? bytes.Length : Math.Min(bytes.Length - pos, 1 + split.Next(Math.Min(40, bytes.Length)));
                connection.OnData(direction, bytes.AsMemory(pos, take), ns);
                pos += take;
            }
        }
    }

    private Conversation Add(TrafficDirection direction, Action<ArrayBufferWriter<byte>> write)
    {
        var output = new ArrayBufferWriter<byte>();
        write(output);
        _ns += 1000;
        Chunks.Add((direction, output.WrittenSpan.ToArray(), output.WrittenCount, _ns));
        return this;
    }

    /// <summary>A text description of exchanges (everything a sink would read), to compare decodings.</summary>
    public static string Describe(IEnumerable<Http2Exchange> exchanges)
    {
        var text = new StringBuilder();
        foreach (var e in exchanges.OrderBy(e => e.StreamId))
        {
            text.Append($"#{e.StreamId} idx={e.IndexOnConnection} push={e.PromisedOnStream} reset={e.ResetErrorCode}/{e.ResetBy} goaway={e.RefusedByGoAway}\n");
            foreach (var (name, m) in new[] { ("req", e.Request), ("resp", e.Response) })
            {
                text.Append($"  {name} {m.FirstByteNs}-{m.LastByteNs} ended={m.Ended} trunc={m.Truncated} lost={m.HeadersLost} gap={m.GapBytes} miss={m.MayMissFrames} bad={m.MalformedReason}\n");
                text.Append("   h: ").AppendJoin(" | ", m.Headers.Select(h => $"{h.Name}: {h.Value}")).Append('\n');
                text.Append("   u: ").AppendJoin(" | ", m.UnknownHeaders).Append('\n');
                text.Append("   t: ").AppendJoin(" | ", m.Trailers.Select(h => $"{h.Name}: {h.Value}")).Append('\n');
                text.Append("   i: ").AppendJoin(" | ", m.Informational.Select(i => string.Join(",", i.Select(h => h.Value)))).Append('\n');
                text.Append($"   body {m.Body.Length}/{m.BodySize} {Convert.ToHexString(SHA256.HashData(m.Body.Span))[..16]}\n");
            }
        }
        return text.ToString();
    }
}
