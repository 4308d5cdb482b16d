using Capture.Format;
using Capture.Traffic.Har;
using Capture.Format.Records;

namespace Capture.Fuzz.Tests;

/// <summary>The real files the mutations start from: every capture and HAR under fixtures/, and the HARs of those captures.</summary>
internal static class Fixtures
{
    public static string Root { get; } = FindRoot();

    public static IReadOnlyList<byte[]> Captures { get; } = WithMergedCapture(
        Directory.EnumerateFiles(Path.Combine(Root, "fixtures"), "*.tcap", SearchOption.AllDirectories).Order().Select(File.ReadAllBytes).ToList());

    /// <summary>Connection ids of the fixtures, so hostile records can land on connections that exist.</summary>
    public static IReadOnlyList<ulong> ConnectionIds { get; } = Captures.SelectMany(ConnectionIdsOf).Distinct().ToList();

    public static IReadOnlyList<byte[]> Hars { get; } =
        [.. Directory.EnumerateFiles(Path.Combine(Root, "fixtures"), "*.har", SearchOption.AllDirectories).Order().Select(File.ReadAllBytes),
         .. Captures.Select(HarOf)];

    /// <summary>The fixtures and their merge (capture merge), so that mutations reach host records and host spaces too.</summary>
    private static List<byte[]> WithMergedCapture(List<byte[]> captures)
    {
        var readers = captures.Select(c => new CaptureReader(new MemoryStream(c))).ToList();
        var merger = new CaptureMerger(readers);
        var output = new MemoryStream();
        using (var writer = new CaptureWriter(output, merger.Header, new CaptureWriterOptions { BlockSize = 16 << 10 }))
            merger.WriteTo(writer);
        readers.ForEach(r => r.Dispose());
        return [.. captures, output.ToArray()];
    }

    private static IEnumerable<ulong> ConnectionIdsOf(byte[] capture)
    {
        using var reader = new CaptureReader(new MemoryStream(capture));
        return reader.ReadRecords().OfType<ConnectionOpenedRecord>().Select(o => o.ConnectionId).ToList();
    }

    private static byte[] HarOf(byte[] capture)
    {
        using var reader = new CaptureReader(new MemoryStream(capture));
        var output = new MemoryStream();
        HarConversion.Run(reader, output);
        return output.ToArray();
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Capture.sln")))
                return dir.FullName;
        throw new InvalidOperationException("Capture.sln not found above the test binaries.");
    }
}
