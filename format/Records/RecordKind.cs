namespace Capture.Format.Records;

/// <summary>The kind tag that starts every record in a block. Readers skip kinds they do not know.</summary>
public enum RecordKind
{
    Process = 1,
    ConnectionOpened = 2,
    Data = 3,
    ConnectionClosed = 4,
    Loss = 5,
    Trailer = 6,
    /// <summary>Format 1.2: which host a range of connection ids belongs to (merged captures).</summary>
    Host = 7,
    /// <summary>Format 1.3: a TLS stack found in a process, probed or not (and why).</summary>
    TlsStack = 9,
}
