using System.Diagnostics;
using System.Globalization;
using Capture.EndToEnd.Tests.Cli;
using Capture.EndToEnd.Tests.Infrastructure;

namespace Capture.EndToEnd.Tests;

/// <summary>`capture ls` on a finished capture, and `capture ls --follow` on one `capture record` is still writing.</summary>
public class LsFollowTests(ITestOutputHelper output)
{
    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);

    [Fact]
    public async Task Following_a_live_recording_shows_each_exchange_soon_after_it_ends_and_stops_with_the_recording()
    {
        BpfRequirement.Ensure();
        using var server = await PythonHttpServer.StartAsync();
        using var recording = await RecordingSession.StartAsync("--port", Text(server.Port));
        using var ls = ChildProcess.Start("dotnet", [Path.Combine(AppContext.BaseDirectory, "capture.dll"), "ls", "--follow", recording.CapturePath]);

        var delays = new List<double>();
        for (int i = 0; i < 3; i++)
        {
            string path = $"bytes/{1000 + i}";
            var curl = await Curl.RunAsync(new Uri(server.BaseAddress, path).ToString());
            Assert.Equal(0, curl.ExitCode);
            var ended = Stopwatch.StartNew();
            string line = await ls.WaitForLineAsync($"/{path}", TimeSpan.FromSeconds(15));
            delays.Add(ended.Elapsed.TotalSeconds);
            Assert.Matches($@" GET +200 .* {1000 + i} http://127\.0\.0\.1:{server.Port}/{path}$", line);
        }
        output.WriteLine($"seconds from the end of each exchange to its line: {string.Join(", ", delays.Select(d => d.ToString("0.00", CultureInfo.InvariantCulture)))}");

        await recording.StopAsync(); // the trailer ends the follow
        Assert.Equal(0, await ls.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(3, ls.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length); // each once: both ends were traced, one line
    }

    [Fact]
    public async Task A_finished_capture_lists_every_exchange_with_filters_and_as_json()
    {
        string fixture = Path.Combine(CaptureCli.RepositoryRoot, "fixtures", "recorded", "demo-kestrel.tcap");

        var all = await CaptureCli.RunAsync("ls", fixture);
        var posts = await CaptureCli.RunAsync("ls", fixture, "--method", "POST", "--json");

        Assert.True(all.ExitCode == 0, all.Stderr);
        Assert.Equal(40, all.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length); // the fixture's 40 requests
        string[] json = posts.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.NotEmpty(json);
        Assert.All(json, l =>
        {
            using var doc = System.Text.Json.JsonDocument.Parse(l);
            Assert.Equal("POST", doc.RootElement.GetProperty("method").GetString());
            Assert.StartsWith("http://127.0.0.1:", doc.RootElement.GetProperty("url").GetString());
        });
        var missing = await CaptureCli.RunAsync("ls", "/nonexistent.tcap");
        Assert.Equal(3, missing.ExitCode);
    }
}
