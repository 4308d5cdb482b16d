using System.Diagnostics;

namespace Capture.Traffic.Tests.Pcap;

/// <summary>
/// Runs the real tshark. Tests that need it skip with a reason when it is missing, unless
/// CAPTURE_REQUIRE_TOOLS=1 (CI), where a missing tshark fails the test.
/// </summary>
internal static class Tshark
{
    private static readonly Lazy<string?> Executable = new(() => FindOnPath("tshark"));

    public static void Require()
    {
        if (Executable.Value is not null)
            return;
        const string reason = "tshark is not installed (apt-get install tshark); it is the independent check of the pcapng files.";
        if (Environment.GetEnvironmentVariable("CAPTURE_REQUIRE_TOOLS") == "1")
            Assert.Fail(reason + " CAPTURE_REQUIRE_TOOLS=1 makes this a failure.");
        Assert.Skip(reason);
    }

    /// <summary>Runs tshark on <paramref name="file"/> and returns its stdout; fails the test on a non-zero exit or any stderr besides the root warning.</summary>
    public static string Run(string file, params string[] arguments)
    {
        Require();
        var start = new ProcessStartInfo(Executable.Value!)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("-n"); // no name resolution: fast and deterministic
        start.ArgumentList.Add("-r");
        start.ArgumentList.Add(file);
        // Validate checksums, which Wireshark does not do by default.
        foreach (string preference in new[] { "tcp.check_checksum:TRUE", "ip.check_checksum:TRUE" })
        {
            start.ArgumentList.Add("-o");
            start.ArgumentList.Add(preference);
        }
        foreach (string argument in arguments)
            start.ArgumentList.Add(argument);

        using var process = Process.Start(start)!;
        Task<string> stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        string stdout = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill();
            Assert.Fail($"tshark did not finish reading {file} within 2 minutes.");
        }
        string errors = string.Join('\n', stderr.Result.Split('\n')
            .Where(line => line.Length > 0 && !line.Contains("This could be dangerous", StringComparison.Ordinal)));
        Assert.True(process.ExitCode == 0 && errors.Length == 0, $"tshark exited {process.ExitCode} on {file}: {errors}");
        return stdout;
    }

    /// <summary>One row per packet (or per matching packet with -Y), one column per field.</summary>
    public static List<string[]> Fields(string file, string? displayFilter, params string[] fields)
    {
        var arguments = new List<string>();
        if (displayFilter is not null)
            arguments.AddRange(["-Y", displayFilter]);
        arguments.AddRange(["-T", "fields", "-E", "separator=\t", "-E", "occurrence=a", "-E", "aggregator=,"]);
        foreach (string field in fields)
            arguments.AddRange(["-e", field]);
        return Run(file, [.. arguments])
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.TrimEnd('\r').Split('\t'))
            .ToList();
    }

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, name))
            .FirstOrDefault(File.Exists);
}
