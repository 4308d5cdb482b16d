using System.Buffers.Binary;

namespace Capture.Traffic.Grpc;

/// <summary>
/// Splits a gRPC body into its length-prefixed messages (gRPC over HTTP/2, "Length-Prefixed-Message":
/// a compressed-flag octet, a 4-octet big-endian length, the message). A length that runs past the end
/// of the body is reported, never trusted: nothing is allocated for it.
/// </summary>
internal static class GrpcFraming
{
    public const int PrefixLength = 5;

    /// <returns>Null when the body splits exactly; otherwise why the rest did not.</returns>
    public static string? Split(ReadOnlyMemory<byte> body, List<GrpcMessage> messages)
    {
        var span = body.Span;
        int pos = 0;
        while (pos < span.Length)
        {
            if (span.Length - pos < PrefixLength)
                return $"{span.Length - pos} octets left, too few for a message prefix";
            byte flag = span[pos];
            if (flag > 1)
                return $"compressed flag {flag} is neither 0 nor 1";
            uint length = BinaryPrimitives.ReadUInt32BigEndian(span[(pos + 1)..]);
            if (length > (uint)(span.Length - pos - PrefixLength))
                return $"a message of {length} octets runs past the end of the body ({span.Length - pos - PrefixLength} left)";
            messages.Add(new GrpcMessage(flag == 1, body.Slice(pos + PrefixLength, (int)length)));
            pos += PrefixLength + (int)length;
        }
        return null;
    }

    /// <summary>Writes messages as a gRPC body (for tests and synthesized traffic).</summary>
    public static byte[] Join(IEnumerable<GrpcMessage> messages)
    {
        var list = messages.ToList();
        var body = new byte[list.Sum(m => PrefixLength + m.Data.Length)];
        int pos = 0;
        foreach (var message in list)
        {
            body[pos] = message.Compressed ? (byte)1 : (byte)0;
            BinaryPrimitives.WriteUInt32BigEndian(body.AsSpan(pos + 1), (uint)message.Data.Length);
            message.Data.Span.CopyTo(body.AsSpan(pos + PrefixLength));
            pos += PrefixLength + message.Data.Length;
        }
        return body;
    }
}
