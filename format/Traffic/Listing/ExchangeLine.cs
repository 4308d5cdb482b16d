using Capture.Format;
using System.Globalization;
using Capture.Traffic.Har;
using Capture.Traffic.Reassembly;

namespace Capture.Traffic.Listing;

/// <summary>
/// One exchange as `capture ls` shows it: when, which process on which host, what was asked and answered, how
/// long it took, how big it was, and what is not whole about it. The URL comes from the same rule
/// as HAR's (<see cref="UrlParts.RequestUrl"/>).
/// </summary>
public sealed record ExchangeLine(
    DateTimeOffset Time,
    int Pid,
    string Process,
    string Host,
    string Method,
    string Url,
    int? Status,
    double? DurationMs,
    long RequestBodyBytes,
    long ResponseBodyBytes,
    ulong ConnectionId,
    bool Tls,
    bool Incomplete,
    long GapBytes,
    bool Truncated,
    bool Malformed,
    string? Container = null,
    string? Pod = null)
{
    public static ExchangeLine From(HttpExchange exchange, CaptureHeader header)
    {
        var request = exchange.Request;
        var response = exchange.Response;
        ulong start = exchange.StartNs;
        ulong end = response?.LastByteNs ?? request?.LastByteNs ?? start;
        return new ExchangeLine(
            header.ToWallClock(start),
            exchange.Connection.Pid,
            exchange.Connection.ProcessName,
            exchange.Connection.Host,
            request?.Method ?? "?",
            request is null ? "?" : UrlParts.RequestUrl(request, exchange.Connection),
            response?.StatusCode,
            response is null || end < start ? null : (end - start) / 1e6,
            request?.WireBodySize ?? 0,
            response?.WireBodySize ?? 0,
            exchange.Connection.ConnectionId,
            exchange.Connection.IsTls,
            exchange.Incomplete,
            exchange.GapBytes,
            exchange.Truncated,
            exchange.Malformed,
            exchange.Connection.Container?.ContainerId,
            exchange.Connection.Container?.Pod);
    }

    /// <summary>What is not whole about it, in a few letters: tls, gap=N, cut, malformed, incomplete.</summary>
    public string Flags
    {
        get
        {
            var flags = new List<string>(4);
            if (Tls) flags.Add("tls");
            if (GapBytes > 0) flags.Add($"gap={GapBytes}");
            else if (Incomplete) flags.Add("incomplete");
            if (Truncated) flags.Add("cut");
            if (Malformed) flags.Add("malformed");
            return string.Join(',', flags);
        }
    }

    /// <summary>
    /// One line: time (UTC), process(pid), method, status, duration, request and response body bytes,
    /// URL, flags. The URL comes last but one so that the columns before it stay aligned. With
    /// <paramref name="withHost"/> (a capture of several hosts) the process is shown as host/process(pid);
    /// a process in a container is followed by @ and the container's short id.
    /// </summary>
    public string ToText(bool withHost = false)
    {
        var c = CultureInfo.InvariantCulture;
        string process = withHost ? $"{Host}/{Process}({Pid.ToString(c)})" : $"{Process}({Pid.ToString(c)})";
        if (Container is { Length: > 0 } container)
            process += "@" + (container.Length > 12 ? container[..12] : container); // the short id docker ps shows
        string status = Status is int s ? s.ToString(c) : "---";
        string duration = DurationMs is double d ? d.ToString("0.0", c) + "ms" : "-";
        string line = string.Create(c, $"{Time.UtcDateTime:HH:mm:ss.fff} {process,-20} {Method,-7} {status} {duration,9} {RequestBodyBytes,8} {ResponseBodyBytes,9} {Url} {Flags}");
        return Printable(line.TrimEnd());
    }

    /// <summary>A recorded process name or URL must not drive the terminal: control characters become '?'.</summary>
    private static string Printable(string text) =>
        text.Any(char.IsControl) ? string.Concat(text.Select(ch => char.IsControl(ch) ? '?' : ch)) : text;
}
