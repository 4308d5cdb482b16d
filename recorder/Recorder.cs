using System.Globalization;
using Capture.Format;
using Capture.Format.Output;
using Capture.Recorder.Containers;
using Capture.Recorder.Rotation;
using Capture.Recorder.Tls;

namespace Capture.Recorder;

/// <summary>Records the host's HTTP/1.x traffic into a capture file: check, create the file, load, attach, consume, finish.</summary>
public static class Recorder
{
    public static string DefaultBpfObjectPath => Path.Combine(AppContext.BaseDirectory, "capture.bpf.o");

    public static RecordingSummary Run(RecorderOptions options, IRecordingObserver? observer, CancellationToken cancellation)
    {
        EnvironmentCheck.EnsureReady();
        DataPath dataPath = DataPathSelection.Resolve(options.DataPath);
        Cgroup2Mount? cgroupMount = Cgroup2Mount.Find();
        IReadOnlyList<string> cgroups = CgroupSelection.Resolve(options.Cgroups, options.Containers, cgroupMount);
        var header = new CaptureHeader(Environment.MachineName, KernelRelease(), RecorderVersion(),
            WallClock.MonotonicToWallOffsetNs(), DescribeOptions(options, dataPath, cgroups, cgroupMount));
        CaptureOutput writer = CaptureOutput.Create(options.OutputPath, header, options.Rotation);
        bool attached = false;
        try
        {
            using var program = KernelProgram.Load(options.BpfObjectPath ?? DefaultBpfObjectPath, options, dataPath, cgroups);
            TlsProbes? tls = options.Tls == TlsMode.Off ? null : new TlsProbes(program, options);
            using var session = new RecordingSession(program, writer, options, observer, tls, new CgroupCatalog(cgroupMount));
            program.Attach();
            if (tls is not null)
                AttachTls(tls, options);
            attached = true;
            return session.Run(cancellation);
        }
        catch (Exception e) when (writer.Faulted && e is IOException or RecorderException { InnerException: IOException })
        {
            var cause = e as IOException ?? (IOException)e.InnerException!;
            throw new RecorderException($"Writing {writer.CurrentPath} failed ({OutputException.Reason(cause)}), so recording stopped; "
                + $"the {writer.BytesWritten:N0} bytes written before it ({writer.Blocks:N0} blocks of {writer.CurrentPath}, every one readable) are kept.",
                RecorderFailure.Output, cause);
        }
        finally
        {
            if (attached)
                writer.Dispose();
            else
                writer.Discard(); // nothing was recorded: leave no empty capture behind (a device is left alone)
        }
    }

    private static void AttachTls(TlsProbes tls, RecorderOptions options)
    {
        tls.Ssl.AttachNamed(options.SslLibraries);
        tls.Refresh();
        bool filtered = options.Pids.Count > 0 || options.ProcessNames.Count > 0;
        // With a process filter, a selected process may simply not be running yet.
        if (options.Tls == TlsMode.Required && tls.Probed.Count == 0 && !filtered)
        {
            string why = tls.Ssl.Skipped.Count > 0 ? $" ({tls.Ssl.Skipped[0]})" : "";
            throw new RecorderException($"--tls was given but no OpenSSL libssl or Go program could be probed{why}; name a libssl with --ssl-lib PATH.", RecorderFailure.Environment);
        }
    }

    private static string KernelRelease()
    {
        try
        {
            return File.ReadAllText("/proc/sys/kernel/osrelease").Trim();
        }
        catch (IOException)
        {
            return Environment.OSVersion.VersionString;
        }
    }

    private static string RecorderVersion() =>
        typeof(Recorder).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    private static Dictionary<string, string> DescribeOptions(RecorderOptions o, DataPath dataPath, IReadOnlyList<string> cgroups, Cgroup2Mount? mount)
    {
        static string Join<T>(IEnumerable<T> items) => string.Join(",", items);
        var d = new Dictionary<string, string>
        {
            [CaptureHeader.DataPathOption] = DataPathSelection.Name(dataPath),
            ["max-bytes-per-call"] = o.MaxBytesPerCall.ToString(CultureInfo.InvariantCulture),
            ["all-tcp"] = o.AllTcp ? "true" : "false",
            ["ring-buffer-bytes"] = o.RingBufferBytes.ToString(CultureInfo.InvariantCulture),
            ["tls"] = o.Tls.ToString().ToLowerInvariant(),
            [CaptureHeader.RecordingIdOption] = Guid.NewGuid().ToString("N"),
            [CaptureHeader.BootIdOption] = File.Exists("/proc/sys/kernel/random/boot_id") ? File.ReadAllText("/proc/sys/kernel/random/boot_id").Trim() : "",
        };
        if (o.SslLibraries.Count > 0)
            d["ssl-lib"] = Join(o.SslLibraries);
        if (o.Pids.Count > 0)
            d["pid"] = Join(o.Pids);
        if (o.ProcessNames.Count > 0)
            d["comm"] = Join(o.ProcessNames);
        if (o.Ports.Count > 0)
            d["port"] = Join(o.Ports);
        if (cgroups.Count > 0)
            d["cgroup"] = Join(cgroups.Select(c => mount!.CgroupPathOf(c)));
        if (o.Containers.Count > 0)
            d["container"] = Join(o.Containers);
        if (o.Duration is { } duration)
            d["duration"] = duration.TotalSeconds.ToString(CultureInfo.InvariantCulture) + "s";
        if (o.MaxFileBytes is { } max)
            d["max-size"] = max.ToString(CultureInfo.InvariantCulture);
        return d;
    }
}
