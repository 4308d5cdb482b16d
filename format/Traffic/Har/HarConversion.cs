using Capture.Format;
using Capture.Traffic.Reassembly;

namespace Capture.Traffic.Har;

/// <summary>Capture records in, HAR out: extraction in start order, filter, entry building, redaction, streaming write.</summary>
public static class HarConversion
{
    public static HarConversionSummary Run(CaptureReader reader, Stream output, HarConversionOptions? options = null)
    {
        var summary = Run(reader.Header, reader.ReadRecords(), output, options);
        return summary with { CorruptBlocks = reader.Stats.CorruptBlocks };
    }

    public static HarConversionSummary Run(CaptureHeader header, IEnumerable<Capture.Format.Records.CaptureRecord> records, Stream output, HarConversionOptions? options = null)
    {
        options ??= new HarConversionOptions();
        var extractor = new ExchangeExtractor(header, records, options.Extractor);
        var builder = new HarEntryBuilder(header, options.Protobuf);
        var redactor = options.Redaction is { } rules ? new HarRedactor(rules) : null;
        long written = 0, incomplete = 0, malformed = 0, truncated = 0, filtered = 0, noRequest = 0, failed = 0;

        using (var writer = new HarWriter(output, new HarCreator { Name = "capture", Version = options.CreatorVersion }, options.Indented,
                   $"Recorded on {header.HostName} (kernel {header.KernelRelease}) by capture {header.RecorderVersion}."))
        {
            foreach (var exchange in extractor.ExchangesInStartOrder())
            {
                using var owned = exchange; // its spilled bodies (temporary files) go once it is written or skipped
                if (!options.Filter.Matches(exchange))
                {
                    filtered++;
                    continue;
                }
                if (!HarEntryBuilder.CanDescribe(exchange))
                {
                    noRequest++;
                    continue;
                }
                HarEntry entry;
                try
                {
                    entry = builder.Build(exchange);
                    redactor?.Redact(entry);
                }
                catch (Exception e) when (e is not OutOfMemoryException and not IOException)
                {
                    // One exchange the builder cannot describe must not cost the rest of the capture.
                    // Counted, so tests (which expect zero) still catch the bug behind it.
                    // (An IOException is the machine's: a full disk while decoding a spilled body.)
                    failed++;
                    continue;
                }
                try
                {
                    writer.WriteEntry(entry);
                }
                finally
                {
                    entry.ReleaseBodies();
                }
                written++;
                if (exchange.Incomplete) incomplete++;
                if (exchange.Malformed) malformed++;
                if (exchange.Truncated) truncated++;
            }
            writer.Complete();
        }

        var stats = extractor.Stats;
        return new HarConversionSummary
        {
            Written = written,
            Incomplete = incomplete,
            Malformed = malformed,
            Truncated = truncated,
            SkippedByFilter = filtered,
            SkippedNoRequest = noRequest,
            Failed = failed,
            Connections = stats.Connections,
            Http2Connections = stats.Http2Connections,
            DuplicatesMerged = stats.DuplicateExchangesDropped,
            GapBytes = stats.GapBytes,
            LostEvents = stats.LostEvents,
            OutOfOrder = stats.OutOfOrder,
            PayloadBytes = stats.PayloadBytes,
            RedactedValues = redactor?.ValuesRedacted ?? 0,
            RedactionUnparsedBodies = redactor?.UnparsedJsonBodies ?? 0,
        };
    }
}
