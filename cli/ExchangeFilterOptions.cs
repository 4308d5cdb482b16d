using System.CommandLine;
using Capture.Traffic.Reassembly;

namespace Capture.Cli;

/// <summary>The HTTP-level filters that har, pcap and replay share: --host, --method, --path-prefix, --status.</summary>
internal sealed class ExchangeFilterOptions
{
    public Option<string?> Host { get; }
    public Option<string?> Method { get; }
    public Option<string?> PathPrefix { get; }
    public Option<string?> Status { get; }

    /// <param name="subject">What the filter keeps, as the help text says it: "exchanges", "connections with an exchange", "requests".</param>
    public ExchangeFilterOptions(string subject)
    {
        Host = new Option<string?>("--host") { Description = $"Only {subject} for this host (Host header, with or without port, or server address)." };
        Method = new Option<string?>("--method") { Description = $"Only {subject} with this request method." };
        PathPrefix = new Option<string?>("--path-prefix") { Description = $"Only {subject} whose path starts with this, e.g. /api/." };
        Status = new Option<string?>("--status") { Description = $"Only {subject} with this status: 404, 5xx, or a list like 2xx,404." };
    }

    public void AddTo(Command command)
    {
        command.Options.Add(Host);
        command.Options.Add(Method);
        command.Options.Add(PathPrefix);
        command.Options.Add(Status);
    }

    public ExchangeFilter Build(ParseResult parsed, int? pid = null) => new()
    {
        Pid = pid is int p ? OptionRange.Int(p, "--pid", 1, int.MaxValue) : null,
        Host = parsed.GetValue(Host),
        Method = parsed.GetValue(Method),
        PathPrefix = parsed.GetValue(PathPrefix),
        Status = parsed.GetValue(Status) is { } text ? ParseStatus(text) : null,
    };

    public static StatusSet ParseStatus(string text)
    {
        try
        {
            return ExchangeFilter.ParseStatus(text);
        }
        catch (FormatException e)
        {
            throw new UserError(e.Message, ExitCodes.Usage);
        }
    }
}
