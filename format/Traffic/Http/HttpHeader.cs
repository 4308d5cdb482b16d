namespace Capture.Traffic.Http;

/// <summary>One header field as it appeared on the wire (obs-fold lines joined by a single space).</summary>
public readonly record struct HttpHeader(string Name, string Value);
