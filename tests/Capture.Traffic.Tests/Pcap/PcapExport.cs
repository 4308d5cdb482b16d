using Capture.Format;
using Capture.Traffic.Pcap;

namespace Capture.Traffic.Tests.Pcap;

/// <summary>Test plumbing: records → real capture file → CaptureReader → PcapExporter → .pcapng in a temporary directory.</summary>
internal sealed class PcapExport : IDisposable
{
    public string Directory { get; } = Path.Combine(Path.GetTempPath(), "capture-pcap-tests", Guid.NewGuid().ToString("N"));

    public PcapExport() => System.IO.Directory.CreateDirectory(Directory);

    public (string Pcap, PcapExportStats Stats) Convert(RecordedTraffic traffic, PcapExportOptions? options = null, string name = "out.pcapng")
    {
        string capture = traffic.WriteCaptureFile(Directory);
        string pcap = Path.Combine(Directory, name);
        using var reader = CaptureReader.Open(capture);
        using var output = File.Create(pcap);
        PcapExportStats stats = PcapExporter.Export(reader.ReadRecords(), reader.Header, output, options);
        return (pcap, stats);
    }

    public void Dispose()
    {
        try { System.IO.Directory.Delete(Directory, recursive: true); }
        catch (IOException) { /* a leftover temp directory is harmless */ }
    }
}
