using System.Globalization;
using System.Text.Json;
using Capture.EndToEnd.Tests.Cli;
using Capture.EndToEnd.Tests.Infrastructure;
using Capture.Format;
using Capture.Format.Output;
using Capture.Format.Records;

namespace Capture.EndToEnd.Tests;

/// <summary>Where `capture record` writes: a fresh owner-only file, a device left a device, and a full disk survived.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class RecordOutputTests : IDisposable
{
    private static readonly UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private readonly ScratchDirectory _scratch = new();

    public void Dispose() => _scratch.Dispose();

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static ChildProcess StartRecorder(params string[] args) =>
        ChildProcess.Start("dotnet", [Path.Combine(AppContext.BaseDirectory, "capture.dll"), "record", .. args]);

    [Fact]
    public async Task Recording_over_an_existing_world_readable_file_makes_it_owner_only()
    {
        BpfRequirement.Ensure();
        string path = _scratch.File("old.tcap");
        File.WriteAllText(path, "an old, world-readable file");
        File.SetUnixFileMode(path, OwnerOnly | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        using var recorder = StartRecorder("-o", path, "--duration", "1s", "--port", "1");
        int exit = await recorder.WaitForExitAsync(TimeSpan.FromMinutes(1));

        Assert.True(exit == 0, recorder.Stderr);
        Assert.Equal(OwnerOnly, File.GetUnixFileMode(path));
        using var reader = CaptureReader.Open(path);
        // The trailer of an empty recording, after the TLS stacks found on the host (format 1.3).
        Assert.IsType<TrailerRecord>(Assert.Single(reader.ReadRecords(), r => r is not TlsStackRecord));
        Assert.True(reader.Stats.CleanClose);
    }

    [Fact]
    public async Task Recording_into_dev_null_leaves_it_a_device()
    {
        BpfRequirement.Ensure();
        using var recorder = StartRecorder("-o", "/dev/null", "--duration", "1s", "--port", "1");
        int exit = await recorder.WaitForExitAsync(TimeSpan.FromMinutes(1));

        Assert.True(exit == 0, recorder.Stderr);
        Assert.Equal(FileKind.Stream, FileKinds.Of("/dev/null"));
    }

    [Fact]
    public async Task A_full_disk_stops_the_recording_with_exit_5_and_keeps_every_whole_block()
    {
        BpfRequirement.Ensure();
        using var disk = SmallFilesystem.Mount(kibibytes: 3 * 1024);
        using var server = await PythonHttpServer.StartAsync();
        var noise = new byte[2_000_000];
        Random.Shared.NextBytes(noise); // incompressible, so that it cannot fit in 3 MiB
        File.WriteAllBytes(Path.Combine(server.Directory, "noise.bin"), noise);
        string path = disk.File("w.tcap");
        using var recorder = StartRecorder("-o", path, "--duration", "120s", "--port", Text(server.Port));
        await recorder.WaitForLineAsync("recording to", TimeSpan.FromSeconds(90));

        // 2 MB served and 2 MB received per download, 1 MiB blocks: the disk is full within a few.
        for (int i = 0; i < 8 && !recorder.HasExited; i++)
        {
            await Curl.RunAsync(new Uri(server.BaseAddress, "noise.bin").ToString());
            await Task.Delay(300, TestContext.Current.CancellationToken);
        }
        int exit = await recorder.WaitForExitAsync(TimeSpan.FromMinutes(1));

        Assert.Equal(5, exit);
        string[] errors = recorder.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(l => !l.Contains("recording to")).ToArray();
        string sentence = Assert.Single(errors);
        Assert.StartsWith("capture: ", sentence);
        Assert.Contains("No space left on device", sentence);
        Assert.DoesNotContain(".partial", sentence);
        Assert.DoesNotContain("   at ", recorder.Stderr);

        // The file was cut back to its last whole block: every block reads, nothing is torn.
        var inspect = await CaptureCli.RunAsync("inspect", "--json", path);
        Assert.True(inspect.ExitCode == 0, inspect.Stderr);
        using var summary = JsonDocument.Parse(inspect.Stdout);
        Assert.Equal(0, summary.RootElement.GetProperty("corruptBlocks").GetInt32());
        Assert.Equal(0, summary.RootElement.GetProperty("incompleteTailBytes").GetInt64());
        Assert.True(summary.RootElement.GetProperty("dataEvents").GetInt64() > 0);
        Assert.Contains($"{new FileInfo(path).Length:N0} bytes", sentence); // it says how far it got
    }
}
