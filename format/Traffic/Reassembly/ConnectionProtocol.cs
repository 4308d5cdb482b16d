using Capture.Traffic.Http2.Frames;

namespace Capture.Traffic.Reassembly;

/// <summary>The protocol a connection's first bytes show: the one rule that routes a connection to its parser.</summary>
internal enum ConnectionProtocol
{
    Http1,
    /// <summary>Seen from the client preface, or from the server's opening SETTINGS.</summary>
    Http2,
    /// <summary>Joined mid-way: the bytes are a plausible sequence of HTTP/2 frames, state before them unknown.</summary>
    Http2MidStream,
}

internal static class ConnectionProtocols
{
    // Enough of the preface ("PRI * HT") that no HTTP/1 request starts so: PRI is no method a client sends.
    private const int PrefacePrefixNeeded = 8;

    /// <summary>
    /// Decides from the first bytes seen on a connection. <paramref name="fromClient"/>: which side sent them
    /// (null when the roles are unknown). <paramref name="joinedMidStream"/>: the connection was open
    /// before recording began. HTTP/2 is chosen only on evidence: the client preface; on a new connection
    /// a first server write that is a SETTINGS frame followed by valid frames (an h2 server may speak
    /// first inside TLS); on a connection joined mid-way a plausible frame sequence
    /// (<see cref="Http2FramePlausibility"/>). Anything else is HTTP/1.
    /// </summary>
    public static ConnectionProtocol Detect(ReadOnlySpan<byte> firstBytes, bool? fromClient, bool joinedMidStream)
    {
        if (fromClient != false && StartsWithPreface(firstBytes))
            return ConnectionProtocol.Http2;
        if (firstBytes.Length < Http2FrameHeader.Size)
            return ConnectionProtocol.Http1;
        // The chunk is all there is to judge by: a chain that ends exactly at its end counts. Frames larger
        // than the default maximum are not expected at first sight: the stricter check keeps HTTP/1 out.
        bool plausible = Http2FramePlausibility.Check(firstBytes, Http2Settings.DefaultMaxFrameSize, atEnd: true) == PlausibilityVerdict.Plausible;
        if (!plausible)
            return ConnectionProtocol.Http1;
        if (joinedMidStream)
            return ConnectionProtocol.Http2MidStream;
        bool opensWithSettings = Http2FrameHeader.Read(firstBytes, out _).Type == Http2FrameType.Settings;
        return fromClient == false && opensWithSettings ? ConnectionProtocol.Http2 : ConnectionProtocol.Http1;
    }

    /// <summary>The client preface, or a prefix of it long enough to tell.</summary>
    public static bool StartsWithPreface(ReadOnlySpan<byte> data) =>
        Http2Preface.StartsWith(data, out bool maybe) || (maybe && data.Length >= PrefacePrefixNeeded);
}
