using Capture.Recorder;

namespace Capture.Cli.Demo;

/// <summary>Runs the recorder on its own thread, so the demo can drive traffic once it is attached.</summary>
public sealed class DemoRecording : IRecordingObserver
{
    private readonly TaskCompletionSource _attached = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stop = new();
    private Task<RecordingSummary>? _run;

    public static async Task<DemoRecording> StartAsync(RecorderOptions options, CancellationToken cancellation)
    {
        var recording = new DemoRecording();
        recording._run = Task.Factory.StartNew(() => Capture.Recorder.Recorder.Run(options, recording, recording._stop.Token),
            CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        // Whichever comes first: attached, or the recorder failing (not root, no BTF...).
        var first = await Task.WhenAny(recording._attached.Task, recording._run, Task.Delay(TimeSpan.FromSeconds(60), cancellation));
        if (first == recording._run)
            await recording._run; // rethrows the recorder's error
        else if (first != recording._attached.Task)
        {
            recording._stop.Cancel();
            throw new UserError("The recorder did not attach within 60 seconds.", ExitCodes.Environment);
        }
        return recording;
    }

    void IRecordingObserver.Attached(string outputPath) => _attached.TrySetResult();

    public async Task<RecordingSummary> StopAsync()
    {
        _stop.Cancel();
        return await _run!;
    }
}
