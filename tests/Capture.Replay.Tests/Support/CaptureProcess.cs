using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Capture.Replay.Tests.Support;

/// <summary>The real `capture` tool as a separate process (the build output next to the tests), as a CI job runs it.</summary>
public sealed partial class CaptureProcess : IDisposable
{
    readonly Process _process;
    readonly Task<string> _stdout, _stderr;

    CaptureProcess(Process process)
    {
        _process = process;
        _stdout = process.StandardOutput.ReadToEndAsync();
        _stderr = process.StandardError.ReadToEndAsync();
    }

    public static CaptureProcess Start(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "capture.dll"));
        foreach (string arg in args)
            start.ArgumentList.Add(arg);
        return new CaptureProcess(Process.Start(start)!);
    }

    /// <summary>Runs to the end (2 minutes at most) and returns the exit code, stdout and stderr.</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        using var process = Start(args);
        return await process.WaitAsync(TimeSpan.FromMinutes(2));
    }

    /// <summary>Sends a POSIX signal: 2 is SIGINT, 15 SIGTERM.</summary>
    public void Signal(int signal) => Assert.Equal(0, Kill(_process.Id, signal));

    public async Task<(int ExitCode, string Stdout, string Stderr)> WaitAsync(TimeSpan timeout)
    {
        using var limit = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            throw new TimeoutException($"capture did not exit within {timeout.TotalSeconds} s; stderr: {await _stderr}");
        }
        return (_process.ExitCode, await _stdout, await _stderr);
    }

    public void Dispose()
    {
        if (!_process.HasExited)
            _process.Kill(entireProcessTree: true);
        _process.Dispose();
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
