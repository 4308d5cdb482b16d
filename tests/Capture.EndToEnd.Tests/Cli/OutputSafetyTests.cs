using System.Diagnostics;
using Capture.EndToEnd.Tests.Infrastructure;
using Capture.Format;
using Capture.Format.Output;

namespace Capture.EndToEnd.Tests.Cli;

/// <summary>
/// Where outputs go, as a user names them: a device or FIFO is written in place and stays what it
/// was, a regular file is replaced whole and 0600, a directory is refused, and a full disk is one
/// sentence and exit 5 in every verb that writes.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class OutputSafetyTests : IDisposable
{
    private static string Capture => Path.Combine(CaptureCli.RepositoryRoot, "fixtures", "recorded", "demo-kestrel.tcap");
    private static string BrowserHar => Path.Combine(CaptureCli.RepositoryRoot, "fixtures", "browser", "chrome-postdata.har");
    private readonly ScratchDirectory _scratch = new();

    public void Dispose() => _scratch.Dispose();

    [Theory]
    [InlineData("har")]
    [InlineData("pcap")]
    public async Task Writing_to_dev_null_leaves_it_a_device(string verb)
    {
        var result = await CaptureCli.RunAsync(verb, Capture, "-o", "/dev/null");
        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Equal(FileKind.Stream, FileKinds.Of("/dev/null"));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite
            | UnixFileMode.OtherRead | UnixFileMode.OtherWrite, File.GetUnixFileMode("/dev/null"));
        Assert.Empty(Directory.GetFiles("/dev", "*.partial"));
    }

    [Fact]
    public async Task A_fifo_is_written_in_place_for_the_program_reading_it()
    {
        string fifo = _scratch.File("into-tshark");
        Run("mkfifo", fifo);
        var reader = Task.Run(() => File.ReadAllBytes(fifo), TestContext.Current.CancellationToken); // another program reading the pipe
        var result = await CaptureCli.RunAsync("pcap", Capture, "-o", fifo);
        byte[] received = await reader.WaitAsync(TimeSpan.FromMinutes(1), TestContext.Current.CancellationToken);

        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Equal(FileKind.Stream, FileKinds.Of(fifo));
        Assert.Equal(new byte[] { 0x0A, 0x0D, 0x0D, 0x0A }, received[..4]); // a pcapng section header came through
        Assert.True(received.Length > 10_000);
    }

    [Theory]
    [InlineData("har")]
    [InlineData("pcap")]
    public async Task A_directory_as_output_is_refused_with_exit_5(string verb)
    {
        var result = await CaptureCli.RunAsync(verb, Capture, "-o", _scratch.Path);
        Assert.Equal(5, result.ExitCode);
        AssertOneSentence(result.Stderr, "is a directory");
        Assert.True(Directory.Exists(_scratch.Path));
    }

    [Fact]
    public async Task An_existing_world_readable_file_is_replaced_by_an_owner_only_one()
    {
        string har = _scratch.File("old.har");
        File.WriteAllText(har, "old contents");
        File.SetUnixFileMode(har, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        var result = await CaptureCli.RunAsync("har", Capture, "-o", har);

        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(har));
        Assert.StartsWith("{", File.ReadAllText(har));
        Assert.Empty(Directory.GetFiles(_scratch.Path, "*.partial", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task A_link_to_a_file_is_written_through_and_stays_a_link()
    {
        string real = _scratch.File("real.pcapng");
        string link = _scratch.File("link.pcapng");
        File.WriteAllText(real, "old");
        File.CreateSymbolicLink(link, real);

        var result = await CaptureCli.RunAsync("pcap", Capture, "-o", link);

        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.NotNull(new FileInfo(link).LinkTarget);
        Assert.Equal(0x0A, File.ReadAllBytes(real)[0]);
    }

    [Fact]
    public async Task Replay_reports_are_owner_only()
    {
        string report = _scratch.File("report.json");
        string har = _scratch.File("replayed.har");
        var result = await CaptureCli.RunAsync("replay", BrowserHar, "--target", "http://127.0.0.1:1", "--max",
            "--retries", "0", "--report", report, "--har-out", har);
        Assert.True(result.ExitCode is 0 or 1, result.Stderr);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(report));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(har));
    }

    [Theory]
    [InlineData("har")]
    [InlineData("pcap")]
    public async Task A_full_disk_is_one_sentence_and_exit_5_and_leaves_no_partial_file(string verb)
    {
        using var disk = SmallFilesystem.Mount(kibibytes: 64);
        disk.FillUp();
        string output = disk.File("out." + verb);

        var result = await CaptureCli.RunAsync(verb, Capture, "-o", output);

        Assert.Equal(5, result.ExitCode);
        AssertOneSentence(result.Stderr, "No space left on device");
        Assert.Equal([disk.File("filler")], Directory.GetFileSystemEntries(disk.Path)); // no half file, no temporary left behind
    }

    [Fact]
    public async Task Inspect_into_dev_full_is_one_sentence_and_exit_5()
    {
        var result = await RunWithStdout("/dev/full", "inspect", Capture);
        Assert.Equal(5, result.ExitCode);
        AssertOneSentence(result.Stderr, "standard output");
    }

    [Fact]
    public async Task Har_to_stdout_on_dev_full_is_one_sentence_and_exit_5()
    {
        var result = await RunWithStdout("/dev/full", "har", Capture, "-o", "-");
        Assert.Equal(5, result.ExitCode);
        AssertOneSentence(result.Stderr, "No space left on device");
    }

    [Fact]
    public async Task Replay_report_on_a_full_disk_is_one_sentence_and_exit_5()
    {
        using var disk = SmallFilesystem.Mount(kibibytes: 64);
        disk.FillUp();
        var result = await CaptureCli.RunAsync("replay", BrowserHar, "--target", "http://127.0.0.1:1", "--max",
            "--retries", "0", "--report", disk.File("report.json"));
        Assert.Equal(5, result.ExitCode);
        AssertOneSentence(result.Stderr, "No space left on device");
        Assert.False(File.Exists(disk.File("report.json")));
    }

    private static void AssertOneSentence(string stderr, string expected)
    {
        string[] lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, $"expected one line on stderr, got:\n{stderr}");
        Assert.StartsWith("capture: ", lines[0]);
        Assert.Contains(expected, lines[0]);
        Assert.DoesNotContain("   at ", stderr);
    }

    private static async Task<CaptureCli.Result> RunWithStdout(string stdout, params string[] args)
    {
        var start = new ProcessStartInfo("sh") { RedirectStandardError = true, WorkingDirectory = CaptureCli.RepositoryRoot };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("exec dotnet \"$0\" \"$@\" > " + stdout);
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "capture.dll"));
        foreach (string arg in args)
            start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        string stderr = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return new CaptureCli.Result(process.ExitCode, "", stderr);
    }

    private static void Run(string file, params string[] args)
    {
        using var process = Process.Start(new ProcessStartInfo(file, args))!;
        process.WaitForExit();
        Assert.Equal(0, process.ExitCode);
    }
}
