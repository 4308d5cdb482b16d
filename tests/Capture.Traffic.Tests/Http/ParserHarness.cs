using System.Text;
using Capture.Traffic.Http;

namespace Capture.Traffic.Tests.Http;

/// <summary>Feeds bytes to a <see cref="HttpStreamParser"/> and collects what it emits.</summary>
internal sealed class ParserHarness : IHttpMessageSink, IDisposable
{
    public List<HttpMessage> Messages { get; } = [];
    public List<HttpMessage> Heads { get; } = [];
    public HttpStreamParser Parser { get; }

    /// <param name="requestMethods">For a response stream: methods of the requests being answered, in order.</param>
    public ParserHarness(bool requests, params string[] requestMethods)
    {
        var methods = new Queue<string>(requestMethods);
        Parser = new HttpStreamParser(requests, this, () => methods.Count > 0 ? methods.Peek() : null);
        _methods = methods;
    }

    private readonly Queue<string> _methods;

    public void OnHead(HttpMessage message) => Heads.Add(message);

    public void OnMessage(HttpMessage message)
    {
        Messages.Add(message);
        // A final response answers one request; interim 1xx responses do not.
        if (!message.IsRequest && message.StatusCode is not (>= 100 and < 200) && _methods.Count > 0)
            _methods.Dequeue();
    }

    public ParserHarness Feed(string text, ulong ts = 1) => Feed(Encoding.UTF8.GetBytes(text), ts);

    /// <summary>
    /// Feed from one scratch buffer that is overwritten after every call, as a reader that recycles its
    /// payload buffers does: the parser must copy what it keeps (see IStreamConsumer.OnData).
    /// </summary>
    public bool ReuseBuffer { get; set; }
    private byte[] _scratch = [];

    public ParserHarness Feed(byte[] bytes, ulong ts = 1)
    {
        if (!ReuseBuffer)
        {
            Parser.Feed(bytes.AsSpan(), ts);
            return this;
        }
        if (_scratch.Length < bytes.Length)
            _scratch = new byte[bytes.Length];
        bytes.CopyTo(_scratch, 0);
        Parser.Feed(_scratch.AsSpan(0, bytes.Length), ts);
        _scratch.AsSpan().Fill((byte)'#');
        return this;
    }

    public void Dispose() => Parser.Dispose();

    /// <summary>One line per message with everything the parser decided, so two runs compare with one Assert.Equal.</summary>
    public static string Describe(HttpMessage m)
    {
        var sb = new StringBuilder();
        sb.Append(m.IsRequest ? $"{m.Method} {m.Target} {m.Version}" : $"{m.Version} {m.StatusCode} {m.Reason}");
        foreach (var h in m.Headers)
            sb.Append($" |{h.Name}:{h.Value}");
        foreach (var h in m.Trailers)
            sb.Append($" |T {h.Name}:{h.Value}");
        sb.Append($" |body={Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(m.Body.Span))[..12]}/{m.Body.Length}");
        sb.Append($" |head={m.HeadSize} wire={m.WireBodySize} gap={m.GapBytes} trunc={m.Truncated} malformed={m.Malformed} lost={m.Lost}");
        return sb.ToString();
    }
}
