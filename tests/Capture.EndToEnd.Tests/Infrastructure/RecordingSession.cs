using System.Text.Json;

namespace Capture.EndToEnd.Tests.Infrastructure;

/// <summary>
/// A real `capture record` run in its own process (so that traffic of the test process itself is
/// traced: the recorder never traces its own process). Start it, drive traffic, stop it with SIGINT
/// (as Ctrl-C would), then read <see cref="CapturePath"/>. Dispose kills a recorder still running
/// and deletes the capture (set CAPTURE_KEEP_TEST_FILES=1 to keep it).
/// </summary>
public sealed class RecordingSession : IDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(60);

    private readonly ChildProcess _recorder;

    /// <summary>
    /// The data path every recording of this test run uses: CAPTURE_DATA_PATH=syscall or socket
    /// (tests/run runs the recording tests once more with syscall), or null for the recorder's choice.
    /// </summary>
    public static string? DataPathUnderTest => Environment.GetEnvironmentVariable("CAPTURE_DATA_PATH") is { Length: > 0 } path ? path : null;

    /// <summary>The path a recording reports: the one under test, else the socket path this kernel (6.18) offers.</summary>
    public static string ExpectedDataPath => DataPathUnderTest ?? "socket";

    /// <summary>True when recordings use the syscall tracepoints (for behaviour that only the socket path has).</summary>
    public static bool OnSyscallPath => ExpectedDataPath == "syscall";

    public string CapturePath { get; }

    private RecordingSession(ChildProcess recorder, string capturePath)
    {
        _recorder = recorder;
        CapturePath = capturePath;
    }

    /// <summary>
    /// Starts recording into a new temporary file with the given extra options (e.g. "--port", "8080")
    /// and returns once the BPF programs are attached. A 5-minute --duration is a safety net against leaks.
    /// </summary>
    public static Task<RecordingSession> StartAsync(params string[] options) =>
        StartAsync(new Dictionary<string, string>(), options);

    /// <summary>As <see cref="StartAsync(string[])"/>, with extra environment variables for the recorder process only.</summary>
    public static async Task<RecordingSession> StartAsync(IReadOnlyDictionary<string, string> environment, params string[] options)
    {
        BpfRequirement.Ensure();
        string path = Path.Combine(Path.GetTempPath(), $"capture-test-{Guid.NewGuid():N}.tcap");
        var args = new List<string> { Path.Combine(AppContext.BaseDirectory, "capture.dll"), "record", "-o", path, "--json", "--duration", "300s" };
        if (DataPathUnderTest is { } dataPath && !options.Contains("--data-path"))
            args.AddRange(["--data-path", dataPath]);
        args.AddRange(options);
        var recorder = ChildProcess.Start("dotnet", args, environment: environment);
        var session = new RecordingSession(recorder, path);
        try
        {
            await recorder.WaitForLineAsync("recording to", StartTimeout);
        }
        catch
        {
            session.Dispose();
            throw;
        }
        return session;
    }

    /// <summary>
    /// Stops the recording as a service manager or CI timeout would (SIGTERM, handled exactly like
    /// Ctrl-C) and returns the recorder's JSON summary. Not SIGINT: a test run started as a shell's
    /// background job inherits SIGINT ignored, and so would the recorder.
    /// </summary>
    public async Task<RecordingResult> StopAsync()
    {
        _recorder.Signal(Posix.SigTerm);
        int exit = await _recorder.WaitForExitAsync(StopTimeout);
        if (exit != 0)
            throw new InvalidOperationException($"capture record exited with {exit}: {_recorder.Stderr}");
        using var json = JsonDocument.Parse(_recorder.Stdout);
        return new RecordingResult(CapturePath, json.RootElement.Clone(), _recorder.Stderr);
    }

    /// <summary>Simulates a crash: SIGKILL, no trailer, no final flush.</summary>
    public async Task KillAsync()
    {
        _recorder.Signal(Posix.SigKill);
        await _recorder.WaitForExitAsync(StopTimeout);
    }

    public void Dispose()
    {
        _recorder.Dispose();
        if (Environment.GetEnvironmentVariable("CAPTURE_KEEP_TEST_FILES") != "1")
            File.Delete(CapturePath);
    }
}

/// <summary>What a stopped recording produced: the file and the summary `capture record --json` printed.</summary>
public sealed record RecordingResult(string CapturePath, JsonElement Summary, string Stderr)
{
    public RecordedCapture Read() => RecordedCapture.Read(CapturePath);
}
