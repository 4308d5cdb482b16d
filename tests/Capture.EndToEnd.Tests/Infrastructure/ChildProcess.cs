using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;

namespace Capture.EndToEnd.Tests.Infrastructure;

/// <summary>
/// A process started by a test: its stdout/stderr lines are collected, a test can wait for a
/// line, and Dispose kills it (and its children) if it is still running, even when the test failed.
/// </summary>
public sealed class ChildProcess : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly SemaphoreSlim _lineArrived = new(0);

    public int Id => _process.Id;
    public bool HasExited => _process.HasExited;
    public int ExitCode => _process.ExitCode;
    public string Description { get; }

    public string Stdout { get { lock (_stdout) return _stdout.ToString(); } }
    public string Stderr { get { lock (_stderr) return _stderr.ToString(); } }

    private ChildProcess(Process process, string description)
    {
        _process = process;
        Description = description;
    }

    public static ChildProcess Start(string fileName, IEnumerable<string> arguments, string? workingDirectory = null,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (string a in arguments)
            start.ArgumentList.Add(a);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
            start.Environment[name] = value;
        var process = new Process { StartInfo = start };
        var child = new ChildProcess(process, $"{fileName} {string.Join(' ', start.ArgumentList)}");
        process.OutputDataReceived += (_, e) => child.OnLine(e.Data, child._stdout);
        process.ErrorDataReceived += (_, e) => child.OnLine(e.Data, child._stderr);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>Waits until a line of stdout or stderr contains <paramref name="text"/>; returns that line.</summary>
    public async Task<string> WaitForLineAsync(string text, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        var seen = new List<string>();
        while (true)
        {
            while (_lines.TryDequeue(out string? line))
            {
                seen.Add(line);
                if (line.Contains(text, StringComparison.Ordinal))
                    return line;
            }
            TimeSpan left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
                throw new TimeoutException($"'{Description}' did not print '{text}' within {timeout.TotalSeconds}s; it printed:\n{string.Join('\n', seen)}");
            if (_process.HasExited && _lines.IsEmpty)
            {
                _process.WaitForExit(); // drain the output readers
                if (_lines.IsEmpty)
                    throw new InvalidOperationException($"'{Description}' exited with {_process.ExitCode} before printing '{text}':\n{Stdout}{Stderr}");
            }
            await _lineArrived.WaitAsync(TimeSpan.FromMilliseconds(Math.Min(200, left.TotalMilliseconds)));
        }
    }

    /// <summary>Waits for exit; kills the process and throws when it takes longer than <paramref name="timeout"/>.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            Kill();
            throw new TimeoutException($"'{Description}' did not exit within {timeout.TotalSeconds}s.");
        }
        _process.WaitForExit(); // let the asynchronous output readers finish
        return _process.ExitCode;
    }

    /// <summary>Sends a POSIX signal (SIGINT = 2, SIGTERM = 15).</summary>
    public void Signal(int signal)
    {
        if (!_process.HasExited)
            _ = Posix.Kill(_process.Id, signal);
    }

    public void Kill()
    {
        try
        {
            if (!_process.HasExited)
                _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // already gone
        }
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
        _lineArrived.Dispose();
    }

    private void OnLine(string? line, StringBuilder into)
    {
        if (line is null)
            return;
        lock (into)
            into.AppendLine(line);
        _lines.Enqueue(line);
        _lineArrived.Release();
    }
}
