using System.Net.Sockets;
using Polly.CircuitBreaker;
using Polly.RateLimiting;
using Polly.Timeout;

namespace Capture.Replay.Sending;

/// <summary>Names for the ways a request can fail without an answer, as they appear in the report.</summary>
public static class ErrorKinds
{
    public const string ConnectionRefused = "connection-refused";
    public const string ConnectionReset = "connection-reset";
    public const string ConnectionFailed = "connection-failed";
    public const string TlsFailed = "tls-failed";
    public const string Timeout = "timeout";
    public const string CircuitOpen = "circuit-open";
    public const string RateLimited = "rate-limited";
    public const string InvalidRequest = "invalid-request";
    public const string Other = "error";

    /// <summary>Is this failure worth another attempt (and does it count against the circuit)?</summary>
    public static bool IsTransient(Exception e) =>
        e is HttpRequestException or TimeoutRejectedException or IOException or SocketException;

    public static string Classify(Exception e) => e switch
    {
        TimeoutRejectedException => Timeout,
        BrokenCircuitException => CircuitOpen,
        RateLimiterRejectedException => RateLimited,
        UriFormatException or InvalidOperationException or FormatException => InvalidRequest,
        HttpRequestException { HttpRequestError: HttpRequestError.ResponseEnded } => ConnectionReset,
        HttpRequestException { HttpRequestError: HttpRequestError.SecureConnectionError } => TlsFailed,
        _ when Socket(e) is SocketError.ConnectionRefused => ConnectionRefused,
        _ when Socket(e) is SocketError.ConnectionReset or SocketError.ConnectionAborted or SocketError.Shutdown => ConnectionReset,
        HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError } => ConnectionFailed,
        IOException => ConnectionReset,
        _ => Other,
    };

    /// <summary>One line for the report: the innermost message, which names the actual cause.</summary>
    public static string Describe(Exception e)
    {
        var inner = e;
        while (inner.InnerException is not null)
            inner = inner.InnerException;
        return inner == e ? e.Message : $"{e.Message} ({inner.Message})";
    }

    static SocketError? Socket(Exception e)
    {
        for (var x = e; x is not null; x = x.InnerException)
            if (x is SocketException s)
                return s.SocketErrorCode;
        return null;
    }
}
