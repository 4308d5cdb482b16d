using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Capture.Replay.Tests.Support;

/// <summary>
/// A target on 127.0.0.1 below HTTP: a plain socket server that keeps the exact bytes it receives
/// (what really reached the wire) and answers in one of a few ways a misbehaving target does.
/// </summary>
public sealed class RawTcpTarget : IAsyncDisposable
{
    public enum Behaviour
    {
        /// <summary>Answers every request head with 200 and the body "same".</summary>
        Answer,
        /// <summary>Accepts and reads, never answers (a blackhole).</summary>
        Silent,
        /// <summary>Answers 200 "same", one byte per second.</summary>
        OneBytePerSecond,
    }

    static readonly byte[] Response = "HTTP/1.1 200 OK\r\nContent-Length: 4\r\nContent-Type: text/plain\r\n\r\nsame"u8.ToArray();

    readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    readonly CancellationTokenSource _stop = new();
    readonly Behaviour _behaviour;
    readonly List<MemoryStream> _connections = [];
    readonly Task _accepting;
    int _accepted;

    public Uri BaseUri { get; }
    public int Accepted => Volatile.Read(ref _accepted);

    public RawTcpTarget(Behaviour behaviour)
    {
        _behaviour = behaviour;
        _listener.Start(512);
        BaseUri = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");
        _accepting = AcceptAsync();
    }

    /// <summary>Every byte received, per connection, decoded as Latin-1 (one char per byte).</summary>
    public IReadOnlyList<string> Received()
    {
        lock (_connections)
            return _connections.Select(c => { lock (c) return Encoding.Latin1.GetString(c.ToArray()); }).ToList();
    }

    /// <summary>The request heads received (each up to and including its blank line), in arrival order per connection.</summary>
    public IReadOnlyList<string> RequestHeads() =>
        Received().SelectMany(c => c.Split("\r\n\r\n").SkipLast(1).Select(head => head + "\r\n\r\n")).ToList();

    async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var socket = await _listener.AcceptSocketAsync(_stop.Token);
                Interlocked.Increment(ref _accepted);
                _ = ServeAsync(socket);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
    }

    async Task ServeAsync(Socket socket)
    {
        var received = new MemoryStream();
        lock (_connections)
            _connections.Add(received);
        using var _ = socket;
        var buffer = new byte[64 * 1024];
        int answered = 0;
        try
        {
            int read;
            while ((read = await socket.ReceiveAsync(buffer, SocketFlags.None, _stop.Token)) > 0)
            {
                int heads;
                lock (received)
                {
                    received.Write(buffer, 0, read);
                    heads = Encoding.Latin1.GetString(received.ToArray()).Split("\r\n\r\n").Length - 1;
                }
                for (; answered < heads; answered++)
                {
                    if (_behaviour == Behaviour.Answer)
                        await socket.SendAsync(Response, SocketFlags.None, _stop.Token);
                    else if (_behaviour == Behaviour.OneBytePerSecond)
                        foreach (byte b in Response)
                        {
                            await socket.SendAsync(new[] { b }, SocketFlags.None, _stop.Token);
                            await Task.Delay(TimeSpan.FromSeconds(1), _stop.Token);
                        }
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        _stop.Dispose();
    }
}
