using System.Diagnostics;
using System.Text;

namespace Capture.Tests.Shared;

/// <summary>
/// Debian's golang-go, driven as a test needs it: build a program, run a tool. It never downloads a
/// toolchain or a module. Without `go` the test skips, except under CAPTURE_REQUIRE_TOOLS=1 (CI) where that fails it.
/// </summary>
internal static class GoToolchain
{
    /// <summary>The `go` command; skips (or fails in CI) when it is not installed.</summary>
    public static string Go() => ToolRequirement.Find("go", "apt-get install golang-go", "/usr/lib/go/bin");

    /// <summary>`go env GOVERSION`, e.g. go1.19.8.</summary>
    public static string Version => Run(Go(), Path.GetTempPath(), "env", "GOVERSION").Trim();

    /// <summary>Builds the one-file program <paramref name="source"/> into <paramref name="output"/> with extra build flags (e.g. "-ldflags=-s -w").</summary>
    public static void Build(string source, string output, params string[] flags) =>
        Run(Go(), Path.GetDirectoryName(source)!, ["build", .. flags, "-o", output, source]);

    /// <summary>Runs <paramref name="file"/> with Go's environment; its stdout, or an exception with its stderr.</summary>
    public static string Run(string file, string directory, params string[] args)
    {
        var start = new ProcessStartInfo(file) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string arg in args)
            start.ArgumentList.Add(arg);
        start.Environment["GOFLAGS"] = "-mod=mod";
        start.Environment["GOTOOLCHAIN"] = "local"; // never download a toolchain
        start.Environment["GOCACHE"] = Path.Combine(Path.GetTempPath(), "capture-go-cache");
        start.Environment["HOME"] = Environment.GetEnvironmentVariable("HOME") ?? Path.GetTempPath();
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed: {stderr.Result}");
        return stdout;
    }

    /// <summary>
    /// <paramref name="binary"/> with the Go version in its build information (.go.buildinfo: a 32-byte header
    /// starting "\xff Go buildinf:", then since Go 1.18 the version as a length-prefixed string) replaced by
    /// <paramref name="version"/> of the same length: what a recorder reads to tell a program's Go version.
    /// </summary>
    public static byte[] WithBuildVersion(byte[] binary, string version)
    {
        byte[] magic = [0xff, .. " Go buildinf:"u8];
        int header = binary.AsSpan().IndexOf(magic);
        Assert.True(header >= 0, "no Go build information");
        int length = binary[header + 32];
        Assert.StartsWith("go1.", Encoding.ASCII.GetString(binary, header + 33, length));
        Assert.Equal(length, version.Length);
        Encoding.ASCII.GetBytes(version).CopyTo(binary, header + 33);
        return binary;
    }
}
