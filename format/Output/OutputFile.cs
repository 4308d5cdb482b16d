namespace Capture.Format.Output;

/// <summary>
/// The one rule for writing an output the user named (-o, --report, --har-out). Outputs hold
/// production traffic, so a new file is readable by its owner only (0600), whatever mode an old
/// file at that path had. A regular file is written under a temporary name in the same folder and
/// renamed over the path, so the path never holds half a file and an old file's wider mode is not
/// kept. A character device or FIFO (/dev/null, /dev/stdout, a named pipe into another program) is
/// written in place and never replaced or removed. A directory or a disk is refused.
/// </summary>
public sealed class OutputFile : IDisposable
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private readonly FileStream _stream;
    private readonly string? _temporary;
    private readonly string _finalPath;
    private bool _inPlace;
    private bool _committed;

    /// <summary>The path as the user gave it (for messages).</summary>
    public string Name { get; }

    /// <summary>Where to write; a failed write throws <see cref="OutputException"/>.</summary>
    public Stream Stream { get; }

    /// <summary>The unguarded file stream, for a writer that cuts a failed write back itself (CaptureWriter).</summary>
    internal FileStream Raw => _stream;

    /// <summary>True for a regular file (fsync applies); false for a device or FIFO.</summary>
    public bool IsRegularFile { get; }

    private OutputFile(string name, string finalPath, FileStream stream, string? temporary)
    {
        Name = name;
        _finalPath = finalPath;
        _stream = stream;
        Stream = new GuardedOutputStream(stream, name);
        _temporary = temporary;
        IsRegularFile = temporary is not null;
        _inPlace = temporary is null;
    }

    /// <summary>
    /// Opens an output that appears at its path only when <see cref="Commit"/> is called (HAR,
    /// pcapng, reports): until then it is a temporary file, removed if the work fails.
    /// </summary>
    public static OutputFile CreateWhole(string path, int bufferSize = 1 << 16) => Create(path, bufferSize, renameNow: false);

    /// <summary>
    /// Opens an output that is at its path from the first byte (a capture being recorded, which a
    /// crash must leave readable and which `ls --follow` reads while it grows): the fresh 0600 file
    /// replaces any old one at once.
    /// </summary>
    public static OutputFile CreateGrowing(string path, int bufferSize = 0) => Create(path, bufferSize, renameNow: true);

    private static OutputFile Create(string path, int bufferSize, bool renameNow)
    {
        try
        {
            FileKind kind = FileKinds.Of(path);
            switch (kind)
            {
                case FileKind.Directory:
                    throw new OutputException($"Cannot write {path}: it is a directory; name a file.");
                case FileKind.BlockDevice:
                    throw new OutputException($"Cannot write {path}: it is a block device, and a disk is never overwritten.");
                case FileKind.Other:
                    throw new OutputException($"Cannot write {path}: it is neither a file, a character device nor a FIFO.");
                case FileKind.Stream:
                    var inPlace = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, bufferSize);
                    return new OutputFile(path, path, inPlace, temporary: null);
            }
            string finalPath = FinalPath(path);
            string folder = System.IO.Path.GetDirectoryName(finalPath)!;
            if (!Directory.Exists(folder))
                throw new OutputException($"Cannot write {path}: the folder {folder} does not exist.");
            // O_CREAT|O_EXCL under a random name: never follows a link someone planted in a shared folder.
            string temporary = System.IO.Path.Combine(folder, $".{System.IO.Path.GetFileName(finalPath)}.{Guid.NewGuid():N}.partial");
            var options = new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                Share = FileShare.Read,
                BufferSize = bufferSize,
            };
            if (!OperatingSystem.IsWindows())
                options.UnixCreateMode = OwnerOnly;
            var stream = new FileStream(temporary, options);
            var output = new OutputFile(path, finalPath, stream, temporary);
            if (renameNow)
                output.MoveIntoPlace();
            return output;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw OutputException.CannotWrite(path, e);
        }
    }

    /// <summary>Pushes what was written to the OS and, for a regular file, to the disk.</summary>
    public void FlushToDisk()
    {
        try
        {
            _stream.Flush(flushToDisk: IsRegularFile);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw OutputException.CannotWrite(Name, e);
        }
    }

    /// <summary>The output is whole: flush it to disk and put it at its path.</summary>
    public void Commit()
    {
        FlushToDisk();
        try
        {
            _stream.Dispose();
            MoveIntoPlace();
            _committed = true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw OutputException.CannotWrite(Name, e);
        }
    }

    /// <summary>Removes what this created (never a device or FIFO): for a run that produced nothing worth keeping.</summary>
    public void Discard()
    {
        CloseQuietly();
        if (IsRegularFile)
            TryDelete(_inPlace ? _finalPath : _temporary!);
        _committed = true;
    }

    /// <summary>Without <see cref="Commit"/>: a whole output's temporary file is removed; a growing one stays as written.</summary>
    public void Dispose()
    {
        CloseQuietly();
        if (!_committed && !_inPlace && _temporary is not null)
            TryDelete(_temporary);
    }

    private void MoveIntoPlace()
    {
        if (_inPlace)
            return;
        File.Move(_temporary!, _finalPath, overwrite: true);
        _inPlace = true;
    }

    /// <summary>A link to a regular file is written through, as cp and shells do, not replaced by a file.</summary>
    private static string FinalPath(string path)
    {
        string full = System.IO.Path.GetFullPath(path);
        if (new FileInfo(full).LinkTarget is null)
            return full;
        return File.ResolveLinkTarget(full, returnFinalTarget: true)?.FullName ?? full;
    }

    private void CloseQuietly()
    {
        try
        {
            _stream.Dispose();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The write that failed was already reported; a second failure while closing adds nothing.
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // best effort: the temporary name starts with a dot and ends in .partial
        }
    }
}
