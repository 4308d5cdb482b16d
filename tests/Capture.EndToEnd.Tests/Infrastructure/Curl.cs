using System.Diagnostics;

namespace Capture.EndToEnd.Tests.Infrastructure;

/// <summary>Runs the real curl binary (bounded by a timeout) and returns what it wrote.</summary>
public static class Curl
{
    public sealed record Result(int ExitCode, byte[] Stdout, string Stderr, int Pid);

    /// <summary>The user agent the helpers send, so that request bytes are predictable.</summary>
    public const string UserAgent = "capture-e2e";

    /// <summary>Runs curl with <c>-sS --fail -A capture-e2e</c> plus <paramref name="args"/>; fails the test on a non-zero exit.</summary>
    public static async Task<Result> RunAsync(params string[] args)
    {
        var start = new ProcessStartInfo("curl") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in (string[])["-sS", "--fail", "--max-time", "30", "-A", UserAgent, .. args])
            start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        int pid = process.Id;
        var stdout = new MemoryStream();
        Task copy = process.StandardOutput.BaseStream.CopyToAsync(stdout);
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"curl {string.Join(' ', args)} did not finish");
        }
        await copy;
        var result = new Result(process.ExitCode, stdout.ToArray(), await stderr, pid);
        if (result.ExitCode != 0)
            throw new InvalidOperationException($"curl {string.Join(' ', args)} failed with {result.ExitCode}: {result.Stderr}");
        return result;
    }

    /// <summary>The exact request curl sends for a GET with the helpers' options.</summary>
    public static string ExpectedGet(Uri url) =>
        $"GET {url.PathAndQuery} HTTP/1.1\r\nHost: {url.Authority}\r\nUser-Agent: {UserAgent}\r\nAccept: */*\r\n\r\n";
}
