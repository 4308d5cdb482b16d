using Capture.Traffic.Json;

namespace Capture.Traffic.Redaction;

/// <summary>What to redact and with which key; the same for every output that redacts (HAR of a capture, replay's HAR).</summary>
public sealed record RedactionRules
{
    /// <summary>
    /// Names besides the defaults (Authorization, Proxy-Authorization, Cookie, Set-Cookie): headers, query
    /// parameters, form fields and JSON object keys at any depth, matched case-insensitively.
    /// </summary>
    public IReadOnlyList<string> Names { get; init; } = [];

    /// <summary>Locations in JSON bodies (request and response) whose values are redacted.</summary>
    public IReadOnlyList<JsonPathPattern> JsonPaths { get; init; } = [];

    /// <summary>The HMAC key of the tokens; null for a random key per run (tokens then only line up within one output).</summary>
    public byte[]? Key { get; init; }
}
