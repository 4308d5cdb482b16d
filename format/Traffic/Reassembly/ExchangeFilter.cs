namespace Capture.Traffic.Reassembly;

/// <summary>
/// Which exchanges to keep. Every criterion that is set must match (AND); an empty filter keeps all.
/// Shared by the HAR, pcap and replay verbs so that --pid/--host/--method/--path-prefix/--status mean the same everywhere.
/// </summary>
public sealed record ExchangeFilter
{
    public int? Pid { get; init; }
    /// <summary>Host name or address, compared with the request's Host (port ignored unless given) or the server address.</summary>
    public string? Host { get; init; }
    public string? Method { get; init; }
    /// <summary>Start of the request path, for example "/api/".</summary>
    public string? PathPrefix { get; init; }
    /// <summary>Status classes and codes, from <see cref="ParseStatus"/>.</summary>
    public StatusSet? Status { get; init; }

    public bool IsEmpty => Pid is null && Host is null && Method is null && PathPrefix is null && Status is null;

    public bool Matches(HttpExchange exchange) => Matches(FilterSubject.Of(exchange));

    public bool Matches(in FilterSubject subject)
    {
        // Either end: a connection traced at both ends is kept once, from the client's side.
        if (Pid is { } pid && subject.Pid != pid && subject.PeerPid != pid)
            return false;
        if (Method is { } method && !string.Equals(subject.Method, method, StringComparison.OrdinalIgnoreCase))
            return false;
        if (PathPrefix is { } prefix && !RequestPath(subject.Target).StartsWith(prefix, StringComparison.Ordinal))
            return false;
        if (Status is { } status && !status.Contains(subject.Status))
            return false;
        if (Host is { } host && !HostMatches(subject, host))
            return false;
        return true;
    }

    /// <summary>Parses "404", "5xx", or a comma list such as "2xx,404". Throws <see cref="FormatException"/> with a one-sentence message.</summary>
    public static StatusSet ParseStatus(string text) => StatusSet.Parse(text);

    /// <summary>The path part of the request target (no query), "/" for authority-form and "*" targets.</summary>
    public static string RequestPath(HttpExchange exchange) => RequestPath(exchange.Request?.Target ?? "");

    /// <summary>The path part of a request target (no query): origin or absolute form; "*" stays "*".</summary>
    public static string RequestPath(string target)
    {
        if (target.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || target.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
        {
            int slash = target.IndexOf('/', target.IndexOf("//", StringComparison.Ordinal) + 2);
            target = slash < 0 ? "/" : target[slash..];
        }
        int query = target.IndexOfAny(['?', '#']);
        return query < 0 ? target : target[..query];
    }

    /// <summary>The Host (with or without its port) or the server's address; an IPv6 address with or without brackets.</summary>
    private static bool HostMatches(in FilterSubject subject, string wanted)
    {
        if (subject.Authority is { } authority)
        {
            if (authority.Equals(wanted, StringComparison.OrdinalIgnoreCase)
                || StripPort(authority).Equals(wanted.Trim('[', ']'), StringComparison.OrdinalIgnoreCase))
                return true;
        }
        return subject.Server is { } server && (server.Address.ToString() == wanted.Trim('[', ']') || server.ToString() == wanted);
    }

    private static string StripPort(string host)
    {
        if (host.StartsWith('['))
        {
            int close = host.IndexOf(']');
            return close < 0 ? host : host[1..close];
        }
        int colon = host.LastIndexOf(':');
        return colon < 0 || host.IndexOf(':') != colon ? host : host[..colon];
    }
}
