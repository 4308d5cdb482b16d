using System.Diagnostics;
using System.Globalization;
using Capture.Tests.Shared;

namespace Capture.EndToEnd.Tests.Infrastructure;

/// <summary>
/// The small C clients in Infrastructure/Native (socket calls that .NET and Python cannot make:
/// sendmmsg, recvmmsg, io_uring), compiled with the system's cc at first use and run against a
/// port. Without a C compiler the test is skipped, or fails under CAPTURE_REQUIRE_TOOLS=1 (ToolRequirement).
/// </summary>
public static class NativeClient
{
    public sealed record Result(int Pid, byte[] Answers);

    private static readonly string BuildDirectory = Directory.CreateTempSubdirectory("capture-native-").FullName;
    private static readonly SemaphoreSlim BuildLock = new(1);

    /// <summary>Runs Native/<paramref name="name"/>.c as `name PORT PATH1 PATH2 OUT` and returns its pid and what it wrote to OUT.</summary>
    public static async Task<Result> RunAsync(string name, int port, string firstPath, string secondPath)
    {
        string program = await BuildAsync(name);
        using var scratch = new ScratchDirectory();
        string output = scratch.File("answers.bin");
        var start = new ProcessStartInfo(program) { RedirectStandardError = true };
        foreach (string a in (string[])[port.ToString(CultureInfo.InvariantCulture), firstPath, secondPath, output])
            start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        int pid = process.Id;
        Task<string> errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{name} did not finish");
        }
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{name} failed with {process.ExitCode}: {await errors}");
        return new Result(pid, await File.ReadAllBytesAsync(output));
    }

    /// <summary>Compiles Native/<paramref name="name"/>.c once per test run, with <paramref name="linkArguments"/> after the source.</summary>
    public static async Task<string> BuildAsync(string name, params string[] linkArguments)
    {
        string compiler = ToolRequirement.Find("cc", "apt-get install gcc");
        string program = Path.Combine(BuildDirectory, name);
        await BuildLock.WaitAsync();
        try
        {
            if (File.Exists(program))
                return program;
            string source = Path.Combine(AppContext.BaseDirectory, "Infrastructure", "Native", name + ".c");
            using var cc = ChildProcess.Start(compiler, ["-O1", "-Wall", "-Werror", "-o", program, source, .. linkArguments]);
            int exit = await cc.WaitForExitAsync(TimeSpan.FromSeconds(60));
            if (exit != 0)
                throw new InvalidOperationException($"cc {name}.c failed: {cc.Stderr}");
            return program;
        }
        finally
        {
            BuildLock.Release();
        }
    }
}
