using System.Diagnostics;

namespace Capture.Traffic.Tests.Har;

/// <summary>
/// Runs the real har-validator npm package (tests/har-validator) on a HAR file. Installs it with
/// `npm ci` on first use. Without node/npm the calling test is skipped with the reason, unless
/// CAPTURE_REQUIRE_TOOLS=1 (CI), where the same reason fails it.
/// </summary>
internal static class HarValidatorTool
{
    public const string RequireVariable = "CAPTURE_REQUIRE_TOOLS";
    private static readonly Lock InstallLock = new();

    /// <summary>Returns the validator's complaint, or null when the file is valid HAR 1.2.</summary>
    public static string? Validate(string harPath)
    {
        string folder = EnsureInstalled();
        var (exit, output) = Run("node", [Path.Combine(folder, "validate.js"), harPath], folder);
        return exit == 0 ? null : output.Trim();
    }

    public static void AssertValid(string harPath)
    {
        string? problem = Validate(harPath);
        Assert.True(problem is null, $"har-validator rejected {harPath}: {problem}");
    }

    private static string EnsureInstalled()
    {
        string folder = Path.Combine(RepoRoot(), "tests", "har-validator");
        lock (InstallLock)
        {
            if (Missing("node") is { } noNode)
                SkipOrFail(noNode);
            if (!Directory.Exists(Path.Combine(folder, "node_modules", "har-validator")))
            {
                if (Missing("npm") is { } noNpm)
                    SkipOrFail(noNpm);
                var (exit, output) = Run("npm", ["ci", "--no-audit", "--no-fund"], folder);
                if (exit != 0)
                    SkipOrFail($"`npm ci` in {folder} failed: {output.Trim()}");
            }
        }
        return folder;
    }

    private static string? Missing(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(dir => File.Exists(Path.Combine(dir, tool)))
            ? null
            : $"{tool} is not on PATH (Debian package nodejs/npm)";

    private static void SkipOrFail(string reason)
    {
        if (Environment.GetEnvironmentVariable(RequireVariable) == "1")
            Assert.Fail($"{RequireVariable}=1 but the HAR validator cannot run: {reason}");
        Assert.Skip($"needs the har-validator npm package: {reason} (set {RequireVariable}=1 to make this a failure)");
    }

    private static (int Exit, string Output) Run(string file, string[] args, string workingDirectory)
    {
        var start = new ProcessStartInfo(file) { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
            start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(3)))
        {
            process.Kill(entireProcessTree: true);
            return (-1, $"{file} timed out");
        }
        return (process.ExitCode, stdout.Result + stderr.Result);
    }

    public static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Capture.sln")))
                return dir.FullName;
        throw new InvalidOperationException("Capture.sln not found above the test binaries.");
    }
}
