namespace Capture.Format;

/// <summary>A record whose bytes passed the block checksum but whose values are outside the format: its block is counted corrupt.</summary>
internal sealed class InvalidRecordException(string message) : Exception(message);
