using System.CommandLine;
using System.Text.Json;
using Capture.Cli;
using Capture.Replay.Tests.Support;
using Microsoft.AspNetCore.Http;

namespace Capture.Replay.Tests;

/// <summary>The `capture replay` verb run in-process: its exit code is the CI gate.</summary>
public class CliExitCodeTests : IAsyncLifetime
{
    KestrelTarget _server = null!;
    int _hits;
    readonly string _dir = Directory.CreateTempSubdirectory("capture-replay-cli-").FullName;

    public async ValueTask InitializeAsync() =>
        _server = await KestrelTarget.StartAsync(async ctx =>
        {
            Interlocked.Increment(ref _hits);
            ctx.Response.StatusCode = ctx.Request.Path == "/changed" ? 500 : 200;
            await ctx.Response.WriteAsync("same");
        });

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    string Har(params string[] paths)
    {
        var har = new HarBuilder();
        foreach (string path in paths)
            har.Add("GET", "http://prod" + path, responseText: "same");
        string file = Path.Combine(_dir, $"{Guid.NewGuid():N}.har");
        File.WriteAllText(file, har.ToJson());
        return file;
    }

    internal static int Capture(params string[] args) => Capture(TextWriter.Null, args);

    /// <summary>Runs the verb with its own writers (the summary table goes nowhere), so tests run side by side.</summary>
    internal static int Capture(TextWriter stderr, params string[] args)
    {
        var console = new VerbConsole(TextWriter.Null, stderr, OutIsTerminal: false, ErrorIsTerminal: false);
        var root = new RootCommand { ReplayCommand.Create(console) };
        var parsed = root.Parse(["replay", .. args]);
        Assert.Empty(parsed.Errors);
        return parsed.Invoke();
    }

    string Target => _server.BaseUri.ToString();

    [Fact]
    public void Exit_code_follows_mismatches_and_the_allowed_percentage()
    {
        string allSame = Har("/a", "/b", "/c", "/d");
        string oneChanged = Har("/a", "/b", "/c", "/changed");

        Assert.Equal(ExitCodes.Ok, Capture(allSame, "--target", Target, "--max"));
        Assert.Equal(ExitCodes.GateFailed, Capture(oneChanged, "--target", Target, "--max"));
        Assert.Equal(ExitCodes.GateFailed, Capture(oneChanged, "--target", Target, "--max", "--max-mismatch", "20"));
        Assert.Equal(ExitCodes.Ok, Capture(oneChanged, "--target", Target, "--max", "--max-mismatch", "25%"));
        Assert.Equal(ExitCodes.Ok, Capture(oneChanged, "--target", Target, "--max", "--exclude-path", "^/chan"));
    }

    [Fact]
    public void Report_file_lists_every_mismatch()
    {
        string report = Path.Combine(_dir, "r.json");
        Assert.Equal(ExitCodes.GateFailed, Capture(Har("/a", "/changed", "/changed"), "--target", Target, "--max", "--report", report));

        using var json = JsonDocument.Parse(File.ReadAllText(report));
        var mismatches = json.RootElement.GetProperty("mismatches");
        Assert.Equal(2, mismatches.GetArrayLength());
        Assert.Equal(500, mismatches[0].GetProperty("actual").GetProperty("status").GetInt32());
        Assert.Equal("status: expected 200, got 500", mismatches[0].GetProperty("diff")[0].GetString());
    }

    [Fact]
    public void A_dead_target_is_a_failed_gate_not_a_crash()
    {
        string report = Path.Combine(_dir, "dead.json");
        Assert.Equal(ExitCodes.GateFailed, Capture(Har("/a", "/b"), "--target", "http://127.0.0.1:1/", "--max", "--retries", "0", "--report", report));
        using var json = JsonDocument.Parse(File.ReadAllText(report));
        Assert.Equal(2, json.RootElement.GetProperty("summary").GetProperty("errors").GetInt32());
    }

    [Theory]
    [InlineData("--speed", "0")]
    [InlineData("--ignore-json", "a.b")]
    [InlineData("--timeout", "soon")]
    [InlineData("--path-prefix-rewrite", "nope")]
    [InlineData("--set-header", "NoColon")]
    [InlineData("--status", "7xx")]
    [InlineData("--exclude-path", "(")]
    [InlineData("--rate", "1e-12")]
    [InlineData("--rate", "1e300")]
    [InlineData("--speed", "1e-9")]
    [InlineData("--speed", "NaN")]
    [InlineData("--timeout", "99999999999h")]
    [InlineData("--timeout", "5ms")]
    [InlineData("--total-timeout", "99999999999999999999999999999999999999s")]
    [InlineData("--duration", "99999999999h")]
    [InlineData("--max-mismatch", "NaN")]
    [InlineData("--max-mismatch", "-0.5")]
    [InlineData("--concurrency", "2000000000")]
    [InlineData("--concurrency", "0")]
    [InlineData("--loop", "2000000000")]
    [InlineData("--retries", "1000000")]
    [InlineData("--pid", "0")]
    public void Bad_options_are_usage_errors(string option, string value)
    {
        var captured = new StringWriter();
        Assert.Equal(ExitCodes.Usage, Capture(captured, Har("/a"), "--target", Target, option, value));
        // One sentence, no stack trace; and nothing was sent.
        Assert.Matches(@"^capture: [^\n]+\.\n$", captured.ToString().ReplaceLineEndings("\n"));
        Assert.Equal(0, _hits);
    }

    [Fact]
    public async Task Answers_too_large_to_compare_fail_the_gate_unless_allowed()
    {
        // Over the 16 MiB body cap: the answer's body is not read whole nor compared.
        await using var big = await KestrelTarget.StartAsync(async ctx =>
        {
            var chunk = new byte[1024 * 1024];
            for (int i = 0; i < 17; i++)
                await ctx.Response.Body.WriteAsync(chunk);
        });
        string har = Har("/big");
        string report = Path.Combine(_dir, "big.json");

        Assert.Equal(ExitCodes.GateFailed, Capture(har, "--target", big.BaseUri.ToString(), "--max", "--report", report));
        using (var json = JsonDocument.Parse(File.ReadAllText(report)))
        {
            var summary = json.RootElement.GetProperty("summary");
            Assert.Equal(0, summary.GetProperty("matched").GetInt32());
            Assert.Equal(1, summary.GetProperty("notCompared").GetInt32());
            Assert.Equal(1, summary.GetProperty("bodiesNotCompared").GetProperty("replay-too-large").GetInt32());
            Assert.False(summary.GetProperty("passed").GetBoolean());
        }

        Assert.Equal(ExitCodes.Ok, Capture(har, "--target", big.BaseUri.ToString(), "--max", "--allow-not-compared", "--report", report));
        using (var json = JsonDocument.Parse(File.ReadAllText(report)))
            Assert.True(json.RootElement.GetProperty("summary").GetProperty("allowNotCompared").GetBoolean());
    }

    [Fact]
    public void Bad_target_is_a_usage_error_and_unreadable_input_is_bad_input()
    {
        Assert.Equal(ExitCodes.Usage, Capture(Har("/a"), "--target", "staging.example"));
        string notHar = Path.Combine(_dir, "x.har");
        File.WriteAllText(notHar, "{\"log\":");
        Assert.Equal(ExitCodes.BadInput, Capture(notHar, "--target", Target));
        Assert.Equal(ExitCodes.BadInput, Capture(Path.Combine(_dir, "missing.har"), "--target", Target));
        string notCapture = Path.Combine(_dir, "x.tcap");
        File.WriteAllBytes(notCapture, [1, 2, 3, 4, 5, 6, 7, 8]);
        Assert.Equal(ExitCodes.BadInput, Capture(notCapture, "--target", Target));
    }

    [Fact]
    public void Unwritable_report_fails_before_sending_anything()
    {
        Assert.Equal(ExitCodes.Output, Capture(Har("/a"), "--target", Target, "--report", Path.Combine(_dir, "no", "such", "dir", "r.json")));
        Assert.Equal(0, _hits);
    }
}
