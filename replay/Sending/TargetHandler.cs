using System.Net;

namespace Capture.Replay.Sending;

/// <summary>The HTTP handler requests go to the target through: every connection-level setting of a replay in one place.</summary>
internal static class TargetHandler
{
    /// <summary>How long an idle connection to the target stays open.</summary>
    public static readonly TimeSpan IdleTimeout = TimeSpan.FromSeconds(30);

    public static SocketsHttpHandler Create(ReplayOptions options)
    {
        var handler = new SocketsHttpHandler
        {
            UseCookies = false,            // cookies are replayed as recorded headers
            AllowAutoRedirect = false,     // a redirect is an answer to compare, not to follow
            AutomaticDecompression = DecompressionMethods.None,
            UseProxy = false,              // traffic goes to the named target only
            MaxConnectionsPerServer = options.Concurrency,
            ConnectTimeout = options.Resilience.AttemptTimeout,
            PooledConnectionIdleTimeout = IdleTimeout,
            ActivityHeadersPropagator = null, // never add trace headers the recording did not have
            // Non-ASCII header values (RFC 9110 obs-text) go out as UTF-8, the encoding the recording decoded
            // them from; HttpClient would refuse them otherwise. OutgoingRequestCheck has refused what is unsafe.
            RequestHeaderEncodingSelector = (_, _) => System.Text.Encoding.UTF8,
        };
        if (options.AllowInvalidCertificates)
            handler.SslOptions.RemoteCertificateValidationCallback = (_, _, _, _) => true;
        return handler;
    }

    /// <summary>
    /// Requests over HTTP/2 keep to their recorded connection (<see cref="RecordedConnectionHandler"/>), at most
    /// --concurrency such connections open at once, as HTTP/1.1 has at most that many; the rest share one pool.
    /// </summary>
    public static RecordedConnectionHandler CreateRouting(ReplayOptions options) =>
        new(() => Create(options), options.Concurrency);
}
