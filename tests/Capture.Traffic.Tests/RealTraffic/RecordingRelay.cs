using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Capture.Traffic.Http2;

namespace Capture.Traffic.Tests.RealTraffic;

/// <summary>The bytes of one relayed TCP connection, both directions, in the order they were read, each read one chunk.</summary>
internal sealed class RecordedConnection
{
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _openDirections = 2;

    public List<(TrafficDirection Direction, byte[] Bytes, ulong Ns)> Chunks { get; } = [];

    public Task Closed => _closed.Task;

    internal void Add(TrafficDirection direction, ReadOnlySpan<byte> bytes)
    {
        lock (Chunks)
            Chunks.Add((direction, bytes.ToArray(), (ulong)Stopwatch.GetTimestamp() * 1_000_000_000UL / (ulong)Stopwatch.Frequency));
    }

    internal void DirectionDone()
    {
        if (Interlocked.Decrement(ref _openDirections) == 0)
            _closed.TrySetResult();
    }

    public (TrafficDirection Direction, byte[] Bytes, ulong Ns)[] Snapshot()
    {
        lock (Chunks)
            return [.. Chunks];
    }

    /// <summary>Decodes the recorded bytes; with <paramref name="split"/>, every chunk is cut again at random points.</summary>
    public List<Http2Exchange> Decode(Random? split = null)
    {
        var exchanges = new List<Http2Exchange>();
        using var connection = new Http2Connection(exchanges.Add);
        ulong last = 0;
        foreach (var (direction, bytes, ns) in Snapshot())
        {
            for (int pos = 0; pos < bytes.Length;)
            {
                int take = split is null ? bytes.Length : Math.Min(bytes.Length - pos, 1 + split.Next(2000));
                connection.OnData(direction, bytes.AsMemory(pos, take), ns);
                pos += take;
            }
            last = ns;
        }
        connection.OnEnd(last + 1);
        return exchanges;
    }
}

/// <summary>
/// A TCP relay on 127.0.0.1 between real clients and a real server that records what each
/// connection carried both ways, as a tracer on either end would see it.
/// </summary>
internal sealed class RecordingRelay : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly int _targetPort;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<RecordedConnection> _connections = [];
    private readonly Task _accepting;

    public RecordingRelay(int targetPort)
    {
        _targetPort = targetPort;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public IReadOnlyList<RecordedConnection> Connections
    {
        get
        {
            lock (_connections)
                return [.. _connections];
        }
    }

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var client = await _listener.AcceptSocketAsync(_stop.Token);
                var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                await server.ConnectAsync(IPAddress.Loopback, _targetPort, _stop.Token);
                client.NoDelay = true;
                var recorded = new RecordedConnection();
                lock (_connections)
                    _connections.Add(recorded);
                _ = PumpAsync(client, server, TrafficDirection.ClientToServer, recorded);
                _ = PumpAsync(server, client, TrafficDirection.ServerToClient, recorded);
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (SocketException)
        {
        }
    }

    private async Task PumpAsync(Socket from, Socket to, TrafficDirection direction, RecordedConnection recorded)
    {
        var buffer = new byte[16384];
        try
        {
            while (true)
            {
                int n = await from.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
                if (n == 0)
                    break;
                recorded.Add(direction, buffer.AsSpan(0, n));
                await to.SendAsync(buffer.AsMemory(0, n), SocketFlags.None, _stop.Token);
            }
            to.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
        finally
        {
            recorded.DirectionDone();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        await _accepting;
        _stop.Dispose();
    }
}
