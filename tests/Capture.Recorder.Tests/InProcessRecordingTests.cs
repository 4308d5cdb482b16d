using System.Diagnostics;
using Capture.EndToEnd.Tests.Infrastructure;
using Capture.Format;
using Capture.Format.Records;

namespace Capture.Recorder.Tests;

/// <summary>The recorder library run inside the test process, against a real python http.server.</summary>
public class InProcessRecordingTests
{
    [Fact]
    public async Task The_recorder_never_traces_its_own_process()
    {
        BpfRequirement.Ensure();
        var ct = TestContext.Current.CancellationToken;
        string www = Directory.CreateTempSubdirectory("capture-self-").FullName;
        string output = Path.Combine(www, "self.tcap");
        await File.WriteAllTextAsync(Path.Combine(www, "a.txt"), "self test\n", ct);
        using var server = StartPythonServer(www, out int port);
        try
        {
            using var stop = new CancellationTokenSource();
            var attached = new TaskCompletionSource();
            var options = new RecorderOptions { OutputPath = output, Ports = [port], Duration = TimeSpan.FromMinutes(2) };
            var recording = Task.Run(() => Recorder.Run(options, new Observer(attached), stop.Token), ct);
            await attached.Task.WaitAsync(TimeSpan.FromSeconds(60), ct);

            using var client = new HttpClient();
            Assert.Equal("self test\n", await client.GetStringAsync($"http://127.0.0.1:{port}/a.txt", ct));
            stop.Cancel();
            RecordingSummary summary = await recording.WaitAsync(TimeSpan.FromSeconds(60), ct);

            using var reader = CaptureReader.Open(output);
            var opened = reader.ReadRecords().OfType<ConnectionOpenedRecord>().ToList();
            Assert.DoesNotContain(opened, c => c.Pid == Environment.ProcessId); // our HttpClient end is not there...
            var serverEnd = Assert.Single(opened);                                // ...the python end is
            Assert.Equal(server.Id, serverEnd.Pid);
            Assert.Equal(StopReason.Cancelled, summary.StopReason);
            Assert.Equal(1, summary.Connections);
            Assert.Equal(1, summary.Requests);
            Assert.Equal(0UL, summary.LostEvents);
        }
        finally
        {
            server.Kill(entireProcessTree: true);
            Directory.Delete(www, recursive: true);
        }
    }

    [Fact]
    public void An_object_the_kernel_cannot_use_is_an_environment_error_and_leaves_no_file()
    {
        BpfRequirement.Ensure();
        string dir = Directory.CreateTempSubdirectory("capture-badobj-").FullName;
        try
        {
            string notElf = Path.Combine(dir, "capture.bpf.o");
            File.WriteAllText(notElf, "this is not an ELF object");
            string output = Path.Combine(dir, "out.tcap");
            var options = new RecorderOptions { OutputPath = output, BpfObjectPath = notElf, Duration = TimeSpan.FromSeconds(1) };
            var e = Assert.Throws<RecorderException>(() => Recorder.Run(options, null, CancellationToken.None));
            Assert.Equal(RecorderFailure.Environment, e.Failure);
            Assert.StartsWith($"libbpf could not open {notElf}:", e.Message);
            Assert.False(File.Exists(output)); // nothing was recorded: no empty capture left behind

            var missing = options with { BpfObjectPath = Path.Combine(dir, "missing.bpf.o") };
            e = Assert.Throws<RecorderException>(() => Recorder.Run(missing, null, CancellationToken.None));
            Assert.Contains("is missing; rebuild the tool", e.Message);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private sealed class Observer(TaskCompletionSource attached) : IRecordingObserver
    {
        public void Attached(string outputPath) => attached.TrySetResult();
    }

    private static Process StartPythonServer(string directory, out int port)
    {
        port = FreePort();
        var start = new ProcessStartInfo("python3") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in (string[])["-m", "http.server", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--directory", directory])
            start.ArgumentList.Add(a);
        var process = Process.Start(start)!;
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            try
            {
                using var probe = new System.Net.Sockets.TcpClient("127.0.0.1", port);
                return process;
            }
            catch (System.Net.Sockets.SocketException) when (DateTime.UtcNow < deadline && !process.HasExited)
            {
                Thread.Sleep(50);
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
