using Capture.Tests.Shared;

namespace Capture.EndToEnd.Tests.Infrastructure;

/// <summary>
/// The Go programs in Infrastructure/Go (an HTTPS server and an HTTPS client on crypto/tls), built with
/// Debian's golang-go at first use, once per test run; "stripped" builds drop the symbol table
/// (-ldflags=-s -w), as many release builds do. Without `go` the test skips, or fails under CAPTURE_REQUIRE_TOOLS=1.
/// </summary>
public static class GoProgram
{
    private static readonly string BuildDirectory = Directory.CreateTempSubdirectory("capture-go-e2e-").FullName;
    private static readonly SemaphoreSlim BuildLock = new(1);

    public static async Task<string> BuildAsync(string name, bool stripped = false)
    {
        GoToolchain.Go();
        string program = Path.Combine(BuildDirectory, stripped ? name + "-stripped" : name);
        await BuildLock.WaitAsync();
        try
        {
            if (!File.Exists(program))
            {
                string source = Path.Combine(AppContext.BaseDirectory, "Infrastructure", "Go", name + ".go");
                await Task.Run(() => GoToolchain.Build(source, program, stripped ? ["-ldflags=-s -w"] : []));
            }
            return program;
        }
        finally
        {
            BuildLock.Release();
        }
    }
}
