using Capture.Format.Records;

namespace Capture.Format.Inspection;

/// <summary>What `capture inspect` reports: counts over one streaming pass of a capture.</summary>
public sealed record CaptureSummary
{
    public required string FormatVersion { get; init; }
    public required bool CleanClose { get; init; }
    public required long Blocks { get; init; }
    public required long CorruptBlocks { get; init; }
    public required long SkippedBytes { get; init; }
    public required long IncompleteTailBytes { get; init; }
    public required long Records { get; init; }
    public required long UnknownRecords { get; init; }
    public required long Connections { get; init; }
    public required long DataEvents { get; init; }
    public required long DataBytes { get; init; }
    public required long CutBytes { get; init; }
    /// <summary>Gaps of socket calls that had no user buffer to read (io_uring, splice, kernel senders): their bytes are part of CutBytes.</summary>
    public required long NoBufferGaps { get; init; }
    public required long NoBufferBytes { get; init; }
    public required long LostEvents { get; init; }
    public required long LostBytes { get; init; }
    public required DateTimeOffset? FirstTimestamp { get; init; }
    public required DateTimeOffset? LastTimestamp { get; init; }
    public required string HostName { get; init; }
    public required string KernelRelease { get; init; }
    public required string RecorderVersion { get; init; }
    /// <summary>Which kernel hooks recorded the file ("socket" or "syscall"); null when the file does not say.</summary>
    public required string? DataPath { get; init; }
    public required IReadOnlyList<ProcessSummary> Processes { get; init; }
    /// <summary>The recording hosts: the header's for one recording, those its host records declare for a merged capture.</summary>
    public required IReadOnlyList<HostSummary> Hosts { get; init; }
    /// <summary>The TLS stacks the recorder found (format 1.3): probed, or not and why; empty for older files.</summary>
    public required IReadOnlyList<TlsStackSummary> TlsStacks { get; init; }
    /// <summary>The cgroups (and containers) whose processes own connections, from format 1.3 open records; empty for older files.</summary>
    public required IReadOnlyList<CgroupSummary> Cgroups { get; init; }

    public static CaptureSummary Compute(CaptureReader reader)
    {
        var connections = new HashSet<ulong>();
        var processes = new SortedDictionary<int, string>();
        var declaredHosts = new Dictionary<ushort, HostRecord>();
        var tlsStacks = new List<TlsStackSummary>();
        var cgroups = new Dictionary<(ulong, string, string?, string?), long>();
        long dataEvents = 0, dataBytes = 0, cutBytes = 0, lostEvents = 0, lostBytes = 0, noBufferGaps = 0, noBufferBytes = 0;
        ulong? first = null, last = null;

        foreach (var record in reader.ReadRecords())
        {
            if (record is not TrailerRecord)
            {
                first = first is null ? record.TimestampNs : Math.Min(first.Value, record.TimestampNs);
                last = last is null ? record.TimestampNs : Math.Max(last.Value, record.TimestampNs);
            }
            switch (record)
            {
                case DataRecord d:
                    connections.Add(d.ConnectionId); // a cut file may hold data whose open record was lost
                    dataEvents++;
                    dataBytes += d.Payload.Length;
                    cutBytes += (long)d.CutBytes;
                    if ((d.Flags & DataFlags.NoUserBuffer) != 0)
                    {
                        noBufferGaps++;
                        noBufferBytes += (long)d.CutBytes;
                    }
                    break;
                case ConnectionOpenedRecord c:
                    connections.Add(c.ConnectionId);
                    processes.TryAdd(c.Pid, c.ProcessName);
                    if (c.Container is { } k)
                    {
                        var key = (k.CgroupId, k.CgroupPath, k.ContainerId, k.Pod);
                        cgroups[key] = cgroups.GetValueOrDefault(key) + 1;
                    }
                    break;
                case ProcessRecord p:
                    processes[p.Pid] = p.Name;
                    break;
                case HostRecord h:
                    declaredHosts.TryAdd(h.IdSpace, h);
                    break;
                case TlsStackRecord t:
                    tlsStacks.Add(TlsStackSummary.Of(t));
                    break;
                case LossRecord l:
                    lostEvents += (long)l.LostEvents;
                    lostBytes += (long)l.LostBytes;
                    break;
            }
        }

        var stats = reader.Stats;
        return new CaptureSummary
        {
            FormatVersion = reader.Header.Version.ToString(),
            CleanClose = stats.CleanClose,
            Blocks = stats.Blocks,
            CorruptBlocks = stats.CorruptBlocks,
            SkippedBytes = stats.SkippedBytes,
            IncompleteTailBytes = stats.IncompleteTailBytes,
            Records = stats.Records,
            UnknownRecords = stats.UnknownRecords,
            Connections = connections.Count,
            DataEvents = dataEvents,
            DataBytes = dataBytes,
            CutBytes = cutBytes,
            NoBufferGaps = noBufferGaps,
            NoBufferBytes = noBufferBytes,
            LostEvents = lostEvents,
            LostBytes = lostBytes,
            FirstTimestamp = first is null ? null : reader.Header.ToWallClock(first.Value),
            LastTimestamp = last is null ? null : reader.Header.ToWallClock(last.Value),
            HostName = reader.Header.HostName,
            KernelRelease = reader.Header.KernelRelease,
            RecorderVersion = reader.Header.RecorderVersion,
            DataPath = reader.Header.Options.TryGetValue(CaptureHeader.DataPathOption, out string? path) ? path : null,
            Processes = processes.Select(p => new ProcessSummary(p.Key, p.Value)).ToList(),
            Hosts = HostsOf(connections, declaredHosts, reader.Header),
            TlsStacks = tlsStacks,
            Cgroups = cgroups.OrderBy(c => c.Key.Item2, StringComparer.Ordinal).ThenBy(c => c.Key.Item1)
                .Select(c => new CgroupSummary(c.Key.Item2, c.Key.Item1, c.Key.Item3, c.Key.Item4, c.Value)).ToList(),
        };
    }

    /// <summary>Connections counted per host: a connection id's top 16 bits name its host space (docs/capture-format.md).</summary>
    private static List<HostSummary> HostsOf(HashSet<ulong> connections, Dictionary<ushort, HostRecord> declared, CaptureHeader header)
    {
        var headerHost = (Name: header.HostName, BootId: header.Options.GetValueOrDefault(CaptureHeader.BootIdOption, ""));
        var counts = declared.Values.OrderBy(h => h.IdSpace).Select(h => (h.HostName, h.BootId)).Distinct().ToDictionary(h => h, _ => 0L);
        foreach (ulong id in connections)
        {
            var host = declared.TryGetValue(HostRecord.SpaceOf(id), out var d) ? (d.HostName, d.BootId) : headerHost;
            counts[host] = counts.GetValueOrDefault(host) + 1;
        }
        if (counts.Count == 0)
            counts[headerHost] = 0;
        return counts.Select(c => new HostSummary(c.Key.Item1, c.Key.Item2, c.Value)).ToList();
    }
}

public sealed record ProcessSummary(int Pid, string Name);

/// <summary>A TLS stack found in a process (pid 0: every process), probed or not (then why).</summary>
public sealed record TlsStackSummary(int Pid, string Stack, string Path, string Version, bool Probed, string Reason)
{
    public static TlsStackSummary Of(TlsStackRecord record) =>
        new(record.Pid, StackName(record.Stack), record.Path, record.Version, record.Probed, record.Reason);

    /// <summary>One line for people: "go go1.19.8 /srv/app (pid 42)", or "... not probed: why".</summary>
    public override string ToString()
    {
        string version = Version.Length > 0 ? $" {Version}" : "";
        string where = Pid == 0 ? "every process" : $"pid {Pid}";
        return $"{Stack}{version} {Path} ({where})" + (Probed ? "" : $" not probed: {Reason}");
    }

    /// <summary>The one spelling of each stack, in `inspect` and `record --json`.</summary>
    public static string StackName(TlsStack stack) => stack switch
    {
        TlsStack.OpenSslShared => "openssl-shared",
        TlsStack.OpenSslStatic => "openssl-static",
        TlsStack.Go => "go",
        _ => "unknown",
    };
}

/// <summary>A recording host, its boot id ("" when not recorded) and how many connections it holds.</summary>
public sealed record HostSummary(string Name, string BootId, long Connections);

/// <summary>A cgroup seen in the capture: its path ("" when unknown), id, container and pod (null when the path does not say), and its connections.</summary>
public sealed record CgroupSummary(string Path, ulong Id, string? ContainerId, string? Pod, long Connections);
