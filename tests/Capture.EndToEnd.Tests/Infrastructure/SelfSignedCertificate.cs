using System.Diagnostics;

namespace Capture.EndToEnd.Tests.Infrastructure;

/// <summary>
/// A throwaway certificate for 127.0.0.1 made with the real openssl command (EC P-256, one day),
/// as PEM files in a scratch directory that Dispose removes.
/// </summary>
public sealed class SelfSignedCertificate : IDisposable
{
    private readonly ScratchDirectory _directory;

    public string CertificatePath => _directory.File("cert.pem");
    public string KeyPath => _directory.File("key.pem");

    private SelfSignedCertificate(ScratchDirectory directory) => _directory = directory;

    public static async Task<SelfSignedCertificate> CreateAsync()
    {
        var directory = new ScratchDirectory();
        var certificate = new SelfSignedCertificate(directory);
        try
        {
            var start = new ProcessStartInfo("openssl") { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (string a in (string[])["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-days", "1",
                         "-keyout", certificate.KeyPath, "-out", certificate.CertificatePath])
                start.ArgumentList.Add(a);
            using var process = Process.Start(start)!;
            Task<string> errors = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await process.WaitForExitAsync(timeout.Token);
            if (process.ExitCode != 0)
                throw new InvalidOperationException($"openssl req failed with {process.ExitCode}: {await errors}");
            return certificate;
        }
        catch
        {
            directory.Dispose();
            throw;
        }
    }

    public void Dispose() => _directory.Dispose();
}
