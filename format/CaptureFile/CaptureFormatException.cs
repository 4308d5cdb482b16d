namespace Capture.Format;

/// <summary>The input is not a capture file, or is one this reader cannot read. The message is one sentence for the user.</summary>
public sealed class CaptureFormatException(string message) : Exception(message);
