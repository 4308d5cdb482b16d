using System.Net;

namespace Capture.Format.Records;

/// <summary>The one rule for addresses: a dual-stack socket's IPv4-mapped address (::ffff:a.b.c.d) is shown as the IPv4 the wire carries.</summary>
public static class WireAddress
{
    public static IPAddress Of(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    public static IPEndPoint? Of(IPEndPoint? endPoint) =>
        endPoint is { Address.IsIPv4MappedToIPv6: true } ? new IPEndPoint(endPoint.Address.MapToIPv4(), endPoint.Port) : endPoint;
}
