namespace Capture.Format.Records;

/// <summary>Which end of the TCP connection the traced process is.</summary>
public enum ConnectionRole : byte
{
    Unknown = 0,
    Client = 1,
    Server = 2,
}

/// <summary>How the recorder learned of a connection.</summary>
public enum ConnectionSource : byte
{
    Unknown = 0,
    Accept = 1,
    Connect = 2,
    /// <summary>Open before recording began; found on first use by walking the task's file table.</summary>
    AlreadyOpen = 3,
}

/// <summary>Direction of bytes, from the traced process's point of view.</summary>
public enum Direction : byte
{
    /// <summary>Written by the traced process (a client's request, a server's response).</summary>
    Egress = 0,
    /// <summary>Read by the traced process (a client's response, a server's request).</summary>
    Ingress = 1,
}

[Flags]
public enum ConnectionFlags : uint
{
    None = 0,
    /// <summary>Payloads are TLS plaintext taken from the TLS library, not socket bytes.</summary>
    Tls = 1,
}

[Flags]
public enum DataFlags : uint
{
    None = 0,
    /// <summary>Plaintext captured inside the TLS library.</summary>
    Tls = 1,
    /// <summary>Bytes of a sendfile() call, read back from the source file by the recorder.</summary>
    FromFile = 2,
    /// <summary>The bytes of this call were not visible (for example sendfile whose file changed); the whole length is in CutBytes.</summary>
    Unrecoverable = 4,
    /// <summary>Since 1.2, with Unrecoverable: the socket call had no user buffer to read (io_uring, splice from a pipe, a kernel sender).</summary>
    NoUserBuffer = 8,
}

/// <summary>Why events or bytes did not reach the capture file.</summary>
public enum LossReason : byte
{
    Unknown = 0,
    /// <summary>The kernel could not reserve space in the ring buffer.</summary>
    RingBufferFull = 1,
    /// <summary>Bytes beyond the per-call capture cap.</summary>
    PayloadCap = 2,
    /// <summary>The kernel could not read the user buffer.</summary>
    ReadFault = 3,
    /// <summary>User space dropped events (for example, the size limit was reached).</summary>
    UserSpace = 4,
}
