namespace Capture.Recorder;

/// <summary>What to record, where to, and for how long.</summary>
public sealed record RecorderOptions
{
    public const uint DefaultMaxBytesPerCall = 8u << 20;
    public const uint DefaultRingBufferBytes = 64u << 20;

    public required string OutputPath { get; init; }

    /// <summary>Stop after this long; null records until cancelled.</summary>
    public TimeSpan? Duration { get; init; }

    /// <summary>Stop when the file reaches about this many bytes; null for no limit.</summary>
    public long? MaxFileBytes { get; init; }

    /// <summary>Start a new file by size or time, keeping at most so many; null writes one file at <see cref="OutputPath"/>.</summary>
    public Rotation.RotationPolicy? Rotation { get; init; }

    /// <summary>Only these process ids (thread-group ids); empty for all.</summary>
    public IReadOnlyList<int> Pids { get; init; } = [];

    /// <summary>Only processes with these names (the kernel's 15-character comm); empty for all.</summary>
    public IReadOnlyList<string> ProcessNames { get; init; } = [];

    /// <summary>Only connections with one of these local or remote ports; empty for all.</summary>
    public IReadOnlyList<int> Ports { get; init; } = [];

    /// <summary>Only processes in these cgroups or their descendants (paths in the cgroup v2 hierarchy, or directories under its mount); empty for all.</summary>
    public IReadOnlyList<string> Cgroups { get; init; } = [];

    /// <summary>Only processes in the cgroups of these containers (ids or unique prefixes); empty for all.</summary>
    public IReadOnlyList<string> Containers { get; init; } = [];

    /// <summary>Bytes captured per syscall; the rest is recorded as a cut of known length.</summary>
    public uint MaxBytesPerCall { get; init; } = DefaultMaxBytesPerCall;

    /// <summary>Record TCP connections that do not look like HTTP/1.x too.</summary>
    public bool AllTcp { get; init; }

    /// <summary>Whether HTTPS plaintext is taken from OpenSSL with uprobes.</summary>
    public TlsMode Tls { get; init; } = TlsMode.Auto;

    /// <summary>More files to probe for SSL_read/SSL_write (a libssl outside the usual places, or a program linking OpenSSL statically).</summary>
    public IReadOnlyList<string> SslLibraries { get; init; } = [];

    /// <summary>Kernel ring-buffer size; rounded up to a power of two.</summary>
    public uint RingBufferBytes { get; init; } = DefaultRingBufferBytes;

    /// <summary>How often the file is flushed (a kill -9 loses at most about this much).</summary>
    public TimeSpan FlushInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Which kernel hooks carry the data: by default the socket tracepoints where the kernel has them.</summary>
    public DataPath DataPath { get; init; } = DataPath.Auto;

    /// <summary>The compiled BPF object; null for capture.bpf.o next to the recorder assembly.</summary>
    public string? BpfObjectPath { get; init; }
}

/// <summary>How a recording treats TLS.</summary>
public enum TlsMode
{
    /// <summary>Probe every OpenSSL libssl found; record without TLS plaintext when there is none.</summary>
    Auto,
    /// <summary>As Auto, but recording fails when no libssl can be probed.</summary>
    Required,
    /// <summary>No probes: TLS sockets are treated like any other non-HTTP traffic.</summary>
    Off,
}
