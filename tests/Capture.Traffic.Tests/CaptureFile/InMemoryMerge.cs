using Capture.Format;

namespace Capture.Traffic.Tests.CaptureFile;

/// <summary>`capture merge` of captures held in memory, as the verb does it (CaptureMerger into a CaptureWriter).</summary>
internal static class InMemoryMerge
{
    public static byte[] Of(params byte[][] captures)
    {
        var readers = captures.Select(c => new CaptureReader(new MemoryStream(c))).ToList();
        var merger = new CaptureMerger(readers);
        var output = new MemoryStream();
        using (var writer = new CaptureWriter(output, merger.Header))
            merger.WriteTo(writer);
        readers.ForEach(r => r.Dispose());
        return output.ToArray();
    }
}
