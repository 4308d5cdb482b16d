namespace Capture.Format.Records;

/// <summary>
/// Format 1.3: a TLS stack the recorder found in a process, and whether its plaintext is recorded
/// (<see cref="Probed"/>) or why not (<see cref="Reason"/>). Written once per process and file when first seen;
/// <see cref="Pid"/> 0 means every process (a system library probed before any process was seen to map it).
/// </summary>
/// <param name="Path">The file probed (a libssl, a program with OpenSSL linked in, a Go program).</param>
/// <param name="Version">The stack's version when the file says (a Go toolchain version such as go1.19.8); "" otherwise.</param>
public sealed record TlsStackRecord(ulong TimestampNs, int Pid, TlsStack Stack, string Path, string Version, bool Probed, string Reason)
    : CaptureRecord(TimestampNs)
{
    public override RecordKind Kind => RecordKind.TlsStack;
}

/// <summary>Which TLS implementation a <see cref="TlsStackRecord"/> names.</summary>
public enum TlsStack : byte
{
    Unknown = 0,
    /// <summary>OpenSSL's shared libssl.so.</summary>
    OpenSslShared = 1,
    /// <summary>OpenSSL (or BoringSSL) linked statically into a program or another library.</summary>
    OpenSslStatic = 2,
    /// <summary>Go's crypto/tls.</summary>
    Go = 3,
}
