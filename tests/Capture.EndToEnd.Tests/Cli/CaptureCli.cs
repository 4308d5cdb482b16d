using System.Diagnostics;

namespace Capture.EndToEnd.Tests.Cli;

/// <summary>Runs the built `capture` tool as a separate process, as a user would, and collects what it printed.</summary>
public static class CaptureCli
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr);

    public static string RepositoryRoot { get; } = FindRoot();

    public static async Task<Result> RunAsync(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = RepositoryRoot,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "capture.dll"));
        foreach (string arg in args)
            start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"capture {string.Join(' ', args)} did not finish in 2 minutes");
        }
        return new Result(process.ExitCode, await stdout, await stderr);
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Capture.sln")))
                return dir.FullName;
        throw new InvalidOperationException("Capture.sln not found above the test binaries.");
    }
}
