using System.Net;
using System.Net.Sockets;

namespace Capture.EndToEnd.Tests.Infrastructure;

/// <summary>A loopback TCP port that was free a moment ago (for servers that cannot report a port 0 choice).</summary>
public static class FreePort
{
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
