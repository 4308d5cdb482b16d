namespace Capture.Traffic.Http;

/// <summary>Receives what a <see cref="HttpStreamParser"/> finds, in stream order.</summary>
internal interface IHttpMessageSink
{
    /// <summary>A head was parsed; the body (if any) is still to come. Lets the other direction know a request is pending.</summary>
    void OnHead(HttpMessage message);

    /// <summary>A message ended (completely, or marked truncated, incomplete, lost or malformed).</summary>
    void OnMessage(HttpMessage message);
}
