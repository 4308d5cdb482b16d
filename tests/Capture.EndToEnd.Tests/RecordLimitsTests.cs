using System.Globalization;
using Capture.EndToEnd.Tests.Cli;
using Capture.EndToEnd.Tests.Infrastructure;
using Capture.Format.Records;

namespace Capture.EndToEnd.Tests;

/// <summary>Caps, process filters, crashes and the errors a user can cause.</summary>
public class RecordLimitsTests
{
    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);

    [Fact]
    public async Task Bytes_beyond_the_per_call_cap_are_cut_and_counted_exactly()
    {
        BpfRequirement.Ensure();
        using var server = await PythonHttpServer.StartAsync();
        const int cap = 128 * 1024; // above curl's 100 KiB reads, below the server's single write
        const int body = 500_000;
        using var recording = await RecordingSession.StartAsync("--port", Text(server.Port), "--max-bytes-per-call", "128KiB");
        var curl = await Curl.RunAsync(new Uri(server.BaseAddress, $"bytes/{body}").ToString());
        var capture = (await recording.StopAsync()).Read();

        Assert.Equal(PythonHttpServer.Pattern(body), curl.Stdout);
        // curl reads in calls smaller than the cap: its side is whole, head and body.
        var client = Assert.Single(capture.OfProcess(curl.Pid));
        byte[] whole = client.Ingress;
        Assert.EndsWith(System.Text.Encoding.Latin1.GetString(curl.Stdout), System.Text.Encoding.Latin1.GetString(whole));

        // The server wrote head and body in one call: the first 128 KiB are kept, the rest is a cut of exact length.
        var serverEnd = Assert.Single(capture.ServersOn(server.Port));
        var egress = serverEnd.Data.Where(d => d.Direction == Direction.Egress).OrderBy(d => d.StreamOffset).ToList();
        byte[] kept = egress.SelectMany(d => d.Payload.ToArray()).ToArray();
        Assert.Equal(whole[..cap], kept);
        ulong cut = (ulong)egress.Sum(d => (long)d.CutBytes);
        Assert.Equal((ulong)(whole.Length - cap), cut);
        Assert.Equal((ulong)whole.Length, egress[^1].EndOffset);
        Assert.Throws<InvalidOperationException>(() => serverEnd.Egress); // a known gap, never a silent splice
        var capLoss = Assert.Single(capture.Losses, l => l.Reason == LossReason.PayloadCap);
        Assert.Equal(cut, capLoss.LostBytes);
        Assert.Equal(1UL, capLoss.LostEvents);
    }

    [Fact]
    public async Task Pid_and_process_name_filters_select_the_traced_processes()
    {
        BpfRequirement.Ensure();
        using var server = await PythonHttpServer.StartAsync();
        string url = new Uri(server.BaseAddress, "bytes/10").ToString();

        using (var recording = await RecordingSession.StartAsync("--pid", Text(server.Pid)))
        {
            var curl = await Curl.RunAsync(url);
            var capture = (await recording.StopAsync()).Read();
            Assert.Empty(capture.OfProcess(curl.Pid));
            var serverEnd = Assert.Single(capture.Connections);
            Assert.Equal(server.Pid, serverEnd.Opened.Pid);
        }

        using (var recording = await RecordingSession.StartAsync("--comm", "curl"))
        {
            var curl = await Curl.RunAsync(url);
            var capture = (await recording.StopAsync()).Read();
            Assert.Empty(capture.OfProcess(server.Pid));
            Assert.Single(capture.OfProcess(curl.Pid));
            Assert.All(capture.Connections, c => Assert.Equal("curl", c.Opened.ProcessName));
        }
    }

    [Fact]
    public async Task After_kill_9_the_capture_is_readable_up_to_the_last_flush()
    {
        BpfRequirement.Ensure();
        using var server = await PythonHttpServer.StartAsync();
        using var recording = await RecordingSession.StartAsync("--port", Text(server.Port));
        var curl = await Curl.RunAsync(new Uri(server.BaseAddress, "bytes/1000").ToString());
        await Task.Delay(TimeSpan.FromSeconds(2.5), TestContext.Current.CancellationToken); // more than the 1 s flush interval
        await recording.KillAsync();

        var capture = RecordedCapture.Read(recording.CapturePath);
        Assert.Empty(capture.Records.OfType<TrailerRecord>()); // it did not end cleanly...
        var client = Assert.Single(capture.OfProcess(curl.Pid)); // ...but the flushed blocks are there
        Assert.EndsWith(System.Text.Encoding.Latin1.GetString(PythonHttpServer.Pattern(1000)), client.IngressText);
        var inspect = await CaptureCli.RunAsync("inspect", "--json", recording.CapturePath);
        Assert.Equal(0, inspect.ExitCode);
    }

    [Fact]
    public async Task A_duration_ends_the_recording_by_itself_with_a_clean_file()
    {
        BpfRequirement.Ensure();
        string output = Path.Combine(Path.GetTempPath(), $"capture-duration-{Guid.NewGuid():N}.tcap");
        try
        {
            var result = await CaptureCli.RunAsync("record", "-o", output, "--duration", "2s", "--json");
            Assert.Equal(0, result.ExitCode);
            using var summary = System.Text.Json.JsonDocument.Parse(result.Stdout);
            Assert.Equal("duration", summary.RootElement.GetProperty("stopReason").GetString());
            Assert.Single(RecordedCapture.Read(output).Records.OfType<TrailerRecord>());
            if (OperatingSystem.IsLinux())
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(output)); // captures hold secrets
        }
        finally
        {
            File.Delete(output);
        }
    }

    [Fact]
    public async Task A_size_limit_ends_the_recording_near_the_limit()
    {
        BpfRequirement.Ensure();
        using var server = await PythonHttpServer.StartAsync();
        using var recording = await RecordingSession.StartAsync("--port", Text(server.Port), "--max-size", "100KiB");
        string url = new Uri(server.BaseAddress, "bytes/400000").ToString();
        for (int i = 0; i < 20; i++)
            await Curl.RunAsync(url); // far more than 100 KiB of traffic: the recorder stops on its own
        var result = await recording.StopAsync();

        Assert.Equal("maxSize", result.Summary.GetProperty("stopReason").GetString());
        long size = new FileInfo(result.CapturePath).Length;
        Assert.InRange(size, 1, 100 * 1024 + 32 * 1024); // at most about one data chunk beyond the limit
        var capture = result.Read();
        Assert.Single(capture.Records.OfType<TrailerRecord>());
    }

    [Fact]
    public async Task Without_root_recording_fails_with_one_sentence_and_exit_code_4()
    {
        BpfRequirement.Ensure(); // needs root to drop to nobody
        string output = Path.Combine(Path.GetTempPath(), $"capture-nobody-{Guid.NewGuid():N}.tcap");
        var result = await RunAsNobodyAsync("record", "-o", output, "--duration", "1s");
        Assert.Equal(4, result.ExitCode);
        Assert.Equal("capture: Recording needs root (or the CAP_BPF and CAP_PERFMON capabilities); run it with sudo.", result.Stderr.Trim());
        Assert.False(File.Exists(output));
    }

    [Fact]
    public async Task An_unwritable_output_fails_with_exit_code_5()
    {
        BpfRequirement.Ensure();
        var result = await CaptureCli.RunAsync("record", "-o", "/nonexistent-capture-dir/x.tcap", "--duration", "1s");
        Assert.Equal(5, result.ExitCode);
        Assert.StartsWith("capture: Cannot write /nonexistent-capture-dir/x.tcap:", result.Stderr);
        Assert.Single(result.Stderr.Trim().Split('\n'));
    }

    [Theory]
    [InlineData("--duration", "soon", "capture: --duration 'soon' is not a duration such as 30s, 5m or 1h.")]
    [InlineData("--max-size", "big", "capture: --max-size 'big' is not a size such as 4096, 64KiB or 1GiB.")]
    [InlineData("--port", "70000", "capture: --port 70000 is out of range (1 to 65535).")]
    public async Task Bad_options_fail_with_exit_code_2_before_anything_is_loaded(string option, string value, string message)
    {
        string output = Path.Combine(Path.GetTempPath(), $"capture-bad-{Guid.NewGuid():N}.tcap");
        var result = await CaptureCli.RunAsync("record", "-o", output, option, value);
        Assert.Equal(2, result.ExitCode);
        Assert.Equal(message, result.Stderr.Trim());
        Assert.False(File.Exists(output));
    }

    private static async Task<CaptureCli.Result> RunAsNobodyAsync(params string[] args)
    {
        var start = new System.Diagnostics.ProcessStartInfo("setpriv")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetTempPath(),
        };
        foreach (string a in (string[])["--reuid=nobody", "--regid=nogroup", "--clear-groups", "env", "HOME=/tmp", "dotnet",
                     Path.Combine(AppContext.BaseDirectory, "capture.dll"), .. args])
            start.ArgumentList.Add(a);
        using var process = System.Diagnostics.Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        return new CaptureCli.Result(process.ExitCode, await stdout, await stderr);
    }
}
