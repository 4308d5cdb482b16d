using System.Diagnostics;
using Capture.Format;

namespace Capture.Fuzz.Tests;

/// <summary>
/// Runs generated inputs through a target one at a time and collects what went wrong: an exception other
/// than the documented <see cref="CaptureFormatException"/>, a hang, or an allocation beyond the bound.
/// The seed changes every run and is printed; CAPTURE_FUZZ_SEED replays a run. Every failing input is
/// saved under the failure folder and its path is in the failure message.
/// </summary>
internal sealed class FuzzRun(string family, string extension)
{
    /// <summary>Generous: a correct read of the largest input takes well under a second.</summary>
    private static readonly TimeSpan PerInputTimeout = TimeSpan.FromSeconds(30);

    public static int Seed { get; } = Environment.GetEnvironmentVariable("CAPTURE_FUZZ_SEED") is { } s && int.TryParse(s, out int v) ? v : Random.Shared.Next();

    public static string FailureFolder { get; } = Path.Combine(Path.GetTempPath(), "capture-fuzz-failures");

    /// <summary>Every input is written here before it runs, so one that kills the process (stack overflow) is left behind.</summary>
    public string ScratchPath { get; } = Path.Combine(Path.GetTempPath(), $"capture-fuzz-{family}-{Environment.ProcessId}.{extension}");

    private readonly List<string> _failures = [];
    private readonly Stopwatch _clock = new();
    public int Tried { get; private set; }
    public int Refused { get; private set; }
    public long MostAllocated { get; private set; }

    /// <summary>
    /// Allocation bound for one input: the reader may hold one block of at most 64 MiB stored plus 64 MiB
    /// decompressed, and a HAR reader a copy of the text in UTF-16 plus its parsed form; 40 bytes per input
    /// byte on top of 256 MiB covers those with room, while a length trusted from the file (gigabytes) does not fit.
    /// </summary>
    public static long AllocationBound(int inputLength) => (256L << 20) + 40L * inputLength;

    public void Try(int index, byte[] input, string steps, Action<string, byte[]> target)
    {
        Tried++;
        _clock.Start();
        File.WriteAllBytes(ScratchPath, input);
        Exception? failure = null;
        long allocated = 0;
        bool refused = false;
        var thread = new Thread(() =>
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                target(ScratchPath, input);
            }
            catch (CaptureFormatException)
            {
                refused = true;
            }
            catch (Exception e)
            {
                failure = e;
            }
            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        }, maxStackSize: 1 << 20);
        thread.Start();
        bool finished = thread.Join(PerInputTimeout);
        _clock.Stop();
        if (refused)
            Refused++;
        MostAllocated = Math.Max(MostAllocated, allocated);
        string? problem = !finished ? $"did not finish within {PerInputTimeout.TotalSeconds:0} s"
            : failure is not null ? $"threw {failure.GetType().Name}: {failure.Message}\n{failure.StackTrace}"
            : allocated > AllocationBound(input.Length) ? $"allocated {allocated >> 20} MiB for a {input.Length}-byte input"
            : null;
        if (problem is null)
            return;
        Directory.CreateDirectory(FailureFolder);
        string saved = Path.Combine(FailureFolder, $"{family}-seed{Seed}-{index}.{extension}");
        File.WriteAllBytes(saved, input);
        _failures.Add($"input {index} ({steps}) saved as {saved}: {problem}");
        if (!finished)
            throw new Xunit.Sdk.XunitException($"seed {Seed}: {_failures[^1]} (the run stops here: the stuck thread is still running)");
    }

    public void AssertNoFailures()
    {
        File.Delete(ScratchPath);
        string line = $"fuzz {family}: seed {Seed}, {Tried} inputs ({Refused} refused as not readable), {_clock.Elapsed.TotalSeconds:0.0} s, most allocated by one input {MostAllocated >> 20} MiB";
        TestContext.Current.SendDiagnosticMessage(line);
        TestContext.Current.TestOutputHelper?.WriteLine(line);
        if (_failures.Count > 0)
            throw new Xunit.Sdk.XunitException($"seed {Seed}: {_failures.Count} of {Tried} inputs failed (rerun with CAPTURE_FUZZ_SEED={Seed}):\n" + string.Join("\n", _failures.Take(10)));
    }
}
