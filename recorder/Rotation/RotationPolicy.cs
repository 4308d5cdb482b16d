using System.Globalization;

namespace Capture.Recorder.Rotation;

/// <summary>
/// When a recording starts a new file (after <see cref="MaxBytes"/>, or every <see cref="Every"/>) and how many files it
/// keeps (<see cref="Keep"/>, the current one included; null keeps all), as tcpdump's -C, -G and -W.
/// </summary>
public sealed record RotationPolicy(long? MaxBytes, TimeSpan? Every, int? Keep)
{
    /// <summary>Smallest --rotate-size: below a block's worth, files would hold a handful of records each.</summary>
    public const long MinBytes = 64 << 10;

    public static readonly TimeSpan MinEvery = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The file of a window that started at <paramref name="startUtc"/>: the base name given with -o, a dash, the start
    /// time in UTC to the millisecond (so names sort in time order), and the base name's extension:
    /// /data/node.tcap → /data/node-20261127T140501.123Z.tcap.
    /// </summary>
    public static string FileName(string basePath, DateTimeOffset startUtc) =>
        Named(basePath, startUtc.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'.'fff'Z'", CultureInfo.InvariantCulture));

    /// <summary>How the files of a recording are named, for people: /data/node-YYYYMMDDTHHMMSS.mmmZ.tcap.</summary>
    public static string Pattern(string basePath) => Named(basePath, "YYYYMMDDTHHMMSS.mmmZ");

    private static string Named(string basePath, string time)
    {
        string folder = Path.GetDirectoryName(basePath) ?? ".";
        string extension = Path.GetExtension(basePath) is { Length: > 0 } e ? e : ".tcap";
        return Path.Combine(folder, $"{Path.GetFileNameWithoutExtension(basePath)}-{time}{extension}");
    }
}
