using Capture.Recorder.Tls.Go;

namespace Capture.Recorder.Tls;

/// <summary>
/// Every TLS probe of a recording: OpenSSL (a shared libssl, or linked statically) and Go's crypto/tls, with
/// the log of the stacks found in processes, probed or not.
/// </summary>
internal sealed class TlsProbes
{
    public TlsProbes(KernelProgram program, RecorderOptions options)
    {
        var selection = new ProcessSelection(options);
        Ssl = new SslProbes(program, selection, Log);
        Go = new GoTlsProbes(program, selection, Log);
    }

    public TlsStackLog Log { get; } = new();

    public SslProbes Ssl { get; }

    public GoTlsProbes Go { get; }

    /// <summary>The files with probes attached: libssl, programs with OpenSSL inside, Go programs.</summary>
    public IReadOnlyList<string> Probed => [.. Ssl.Libraries, .. Go.Programs];

    /// <summary>Probes what is new in the processes running now.</summary>
    public void Refresh()
    {
        Ssl.Refresh();
        Go.Refresh();
    }
}
