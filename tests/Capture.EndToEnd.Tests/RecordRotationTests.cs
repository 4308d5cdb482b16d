using System.Globalization;
using System.Text.Json;
using Capture.EndToEnd.Tests.Cli;
using Capture.EndToEnd.Tests.Infrastructure;
using Capture.Format;
using Capture.Format.Records;

namespace Capture.EndToEnd.Tests;

/// <summary>
/// `capture record --rotate-size`: the same traffic (8 curl processes at once, each fetching 12 bodies of 20–150 KB over
/// one keep-alive connection, so connections and bodies span files) recorded once into one file and once into
/// 64 KiB windows. Nothing may be lost or repeated between windows, each window must convert alone, and their merge
/// must give back what the single file holds.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public class RecordRotationTests
{
    private const int Clients = 8;
    private const int RequestsPerClient = 12;

    [Fact]
    public async Task Rotated_windows_hold_every_exchange_once_each_converts_alone_and_their_merge_equals_one_file()
    {
        BpfRequirement.Ensure();
        using var server = await PythonHttpServer.StartAsync();
        using var scratch = new ScratchDirectory();
        string port = server.Port.ToString(CultureInfo.InvariantCulture);
        // The server's end only: with both ends traced, a request written by curl before a rotation and read by the
        // server after it would be an exchange in each window (each end's view of it).
        string pid = server.Pid.ToString(CultureInfo.InvariantCulture);
        using var single = await RecordingSession.StartAsync("--port", port, "--pid", pid);
        using var rotated = await RecordingSession.StartAsync("--port", port, "--pid", pid, "--rotate-size", "64KiB");
        await Task.WhenAll(Enumerable.Range(0, Clients).Select(client => Curl.RunAsync(
            [.. Enumerable.Range(0, RequestsPerClient).SelectMany(i => new[] { "-o", "/dev/null", new Uri(server.BaseAddress, $"bytes/{Size(client, i)}").ToString() })])));
        var singleResult = await single.StopAsync();
        var rotatedResult = await rotated.StopAsync();
        var files = rotatedResult.Summary.GetProperty("files").EnumerateArray().Select(f => f.GetString()!).ToList();
        try
        {
            Assert.True(files.Count >= 5, $"expected several windows, got {files.Count}");
            Assert.Equal(files.Order(StringComparer.Ordinal), files); // names sort in time order
            Assert.Equal(files[^1], rotatedResult.Summary.GetProperty("outputPath").GetString());
            string stem = Path.GetFileNameWithoutExtension(rotatedResult.CapturePath);
            Assert.All(files, f => Assert.Matches($"^{stem}-\\d{{8}}T\\d{{6}}\\.\\d{{3}}Z\\.tcap$", Path.GetFileName(f)));
            Assert.False(File.Exists(rotatedResult.CapturePath)); // -o is the base name only

            const int requests = Clients * RequestsPerClient;
            int singleEntries = await HarEntriesAsync(singleResult.CapturePath, scratch.File("single.har"));
            Assert.Equal(requests, singleEntries);

            long dataBytes = 0;
            int entries = 0;
            foreach (string file in files)
            {
                // Complete (trailer written), private, and converts on its own.
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
                using (var reader = CaptureReader.Open(file))
                {
                    var records = reader.ReadRecords().ToList();
                    Assert.True(reader.Stats.CleanClose, $"{file} has no trailer");
                    dataBytes += records.OfType<DataRecord>().Sum(d => (long)d.Payload.Length + (long)d.CutBytes);
                }
                entries += await HarEntriesAsync(file, scratch.File(Path.GetFileName(file) + ".har"));
            }
            // No byte lost or repeated between windows: the same bytes as the single file; every request in exactly one window.
            Assert.Equal(Bytes(singleResult.CapturePath), dataBytes);
            Assert.Equal(requests, entries);

            // Merged, the windows are one recording again: every exchange, whole.
            string merged = scratch.File("merged.tcap");
            var merge = await CaptureCli.RunAsync(["merge", .. files, "-o", merged]);
            Assert.True(merge.ExitCode == 0, merge.Stderr);
            var har = await CaptureCli.RunAsync("har", merged, "-o", scratch.File("merged.har"));
            Assert.True(har.ExitCode == 0, har.Stderr);
            using var document = JsonDocument.Parse(await File.ReadAllTextAsync(scratch.File("merged.har"), TestContext.Current.CancellationToken));
            var mergedEntries = document.RootElement.GetProperty("log").GetProperty("entries").EnumerateArray().ToList();
            Assert.Equal(requests, mergedEntries.Count);
            Assert.All(mergedEntries, e =>
            {
                Assert.False(e.GetProperty("_incomplete").GetBoolean());
                Assert.False(e.GetProperty("_truncated").GetBoolean());
                int size = int.Parse(HarOfCapture.Url(e).Split('/')[^1], CultureInfo.InvariantCulture);
                Assert.Equal(size, e.GetProperty("response").GetProperty("content").GetProperty("size").GetInt32());
            });
        }
        finally
        {
            foreach (string file in files)
                File.Delete(file);
        }
    }

    private static int Size(int client, int request) => 20_000 + (client * RequestsPerClient + request) * 1_373 % 130_000;

    private static long Bytes(string capture)
    {
        using var reader = CaptureReader.Open(capture);
        return reader.ReadRecords().OfType<DataRecord>().Sum(d => (long)d.Payload.Length + (long)d.CutBytes);
    }

    private static async Task<int> HarEntriesAsync(string capture, string har)
    {
        var result = await CaptureCli.RunAsync("har", capture, "-o", har);
        Assert.True(result.ExitCode == 0, $"capture har {capture}: {result.Stderr}");
        using var document = JsonDocument.Parse(await File.ReadAllTextAsync(har, TestContext.Current.CancellationToken));
        return document.RootElement.GetProperty("log").GetProperty("entries").GetArrayLength();
    }
}
