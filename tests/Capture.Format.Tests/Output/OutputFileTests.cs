using Capture.Format.Output;

namespace Capture.Format.Tests.Output;

[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class OutputFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("capture-output-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string PathOf(string name) => Path.Combine(_dir, name);

    [Fact]
    public void A_whole_output_appears_only_when_committed()
    {
        string path = PathOf("out.har");
        using (var output = OutputFile.CreateWhole(path))
        {
            output.Stream.Write("{}"u8);
            Assert.False(File.Exists(path));
            output.Commit();
        }
        Assert.Equal("{}", File.ReadAllText(path));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.Single(Directory.GetFileSystemEntries(_dir));
    }

    [Fact]
    public void A_whole_output_that_fails_leaves_the_old_file_and_no_temporary()
    {
        string path = PathOf("out.har");
        File.WriteAllText(path, "old");
        using (var output = OutputFile.CreateWhole(path))
            output.Stream.Write("half"u8); // no Commit: the work failed
        Assert.Equal("old", File.ReadAllText(path));
        Assert.Single(Directory.GetFileSystemEntries(_dir));
    }

    [Fact]
    public void A_growing_output_is_at_its_path_from_the_start_and_discard_removes_it()
    {
        string path = PathOf("w.tcap");
        File.WriteAllText(path, "an old capture");
        var output = OutputFile.CreateGrowing(path);
        output.Stream.Write("new"u8);
        Assert.Equal("new", File.ReadAllText(path));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        output.Discard();
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void A_device_is_written_in_place_and_never_discarded()
    {
        Assert.Equal(FileKind.Stream, FileKinds.Of("/dev/null"));
        var output = OutputFile.CreateGrowing("/dev/null");
        output.Stream.Write("nothing"u8);
        Assert.False(output.IsRegularFile);
        output.Discard();
        Assert.Equal(FileKind.Stream, FileKinds.Of("/dev/null"));
    }

    [Fact]
    public void Directories_are_refused_and_kinds_are_told_apart()
    {
        var e = Assert.Throws<OutputException>(() => OutputFile.CreateWhole(_dir));
        Assert.Contains("is a directory", e.Message);
        Assert.Equal(FileKind.Missing, FileKinds.Of(PathOf("none")));
        Assert.Equal(FileKind.Missing, FileKinds.Of(PathOf("none/deeper")));
        Assert.Equal(FileKind.Directory, FileKinds.Of(_dir));
        Assert.Throws<OutputException>(() => OutputFile.CreateWhole(PathOf("none/out.har")));
    }

    [Fact]
    public void A_failed_write_names_the_output_not_the_temporary_file()
    {
        var e = Assert.Throws<OutputException>(() =>
        {
            using var output = OutputFile.CreateWhole("/dev/full");
            output.Stream.Write(new byte[100_000]);
            output.Commit();
        });
        Assert.StartsWith("Cannot write /dev/full: No space left on device", e.Message);
    }
}
