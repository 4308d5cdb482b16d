using Capture.Traffic.Har;
using Capture.Replay.Input;

namespace Capture.Fuzz.Tests;

/// <summary>
/// Damaged and hostile HAR files through every path that reads a HAR: the whole-file reader, the
/// streaming entry reader, and the replay plan. Only a one-sentence refusal may escape.
/// </summary>
public class HarFuzzTests
{
    /// <summary>Inputs per run; each goes through all three paths. CAPTURE_FUZZ_HARS overrides it.</summary>
    private static readonly int Inputs = Environment.GetEnvironmentVariable("CAPTURE_FUZZ_HARS") is { } s && int.TryParse(s, out int n) ? n : 600;

    [Fact]
    public void Mutated_har_files_are_read_and_planned_without_an_undocumented_exception()
    {
        var random = new Random(FuzzRun.Seed);
        var run = new FuzzRun("har", "har");
        for (int i = 0; i < Inputs; i++)
        {
            var (bytes, steps) = HarMutator.Mutate(random, Fixtures.Hars);
            run.Try(i, bytes, steps, (_, input) => EveryReader(input));
        }
        run.AssertNoFailures();
    }

    internal static void EveryReader(byte[] input)
    {
        foreach (var entry in HarReader.Read(new MemoryStream(input), "fuzz.har").Entries)
            AssertInRange(entry);
        foreach (var entry in HarEntryStreamReader.ReadEntries(new MemoryStream(input), "fuzz.har", unreadableDatesAreMissing: true))
            AssertInRange(entry);
        var plan = HarPlanReader.Read(new MemoryStream(input), "fuzz.har");
        foreach (var request in plan.Requests)
            if (request.RecordedMilliseconds is { } ms && !(ms > 0 && ms <= 7 * 24 * 3600 * 1000.0))
                throw new InvalidDataException($"a recorded latency of {ms} ms reached the plan");
    }

    /// <summary>The documented ranges (docs/har-export.md): no absurd number leaves the reader.</summary>
    private static void AssertInRange(HarEntry e)
    {
        const double week = 7 * 24 * 3600 * 1000.0;
        static bool Ms(double v, bool minusOne) => (minusOne && v == -1) || (v >= 0 && v <= week);
        static bool Size(long v) => v >= -1 && v <= 1L << 53;
        var t = e.Timings;
        bool ok = Ms(e.Time, false) && Ms(t.Send, false) && Ms(t.Wait, false) && Ms(t.Receive, false)
            && Ms(t.Blocked, true) && Ms(t.Dns, true) && Ms(t.Connect, true) && Ms(t.Ssl, true)
            && e.Response.Status is >= 0 and <= 999
            && Size(e.Request.HeadersSize) && Size(e.Request.BodySize) && Size(e.Response.HeadersSize) && Size(e.Response.BodySize) && Size(e.Response.Content.Size)
            && e.Response.Content.Compression is null or (>= -(1L << 53) and <= 1L << 53) && e.GapBytes is null or >= 0 && e.Pid is null or >= 0 && e.PeerPid is null or >= 0
            && (e.StartedDateTime == default || (e.StartedDateTime.Year >= 1970 && e.StartedDateTime.Year < 2200));
        if (!ok)
            throw new InvalidDataException($"an entry with a number out of its documented range: time {e.Time}, status {e.Response.Status}, started {e.StartedDateTime:o}");
    }
}
