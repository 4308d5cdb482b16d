namespace Capture.Recorder.Tls;

/// <summary>
/// The probes that link an SSL object driven over memory BIOs (.NET's SslStream, Node.js) to its socket
/// by the ciphertext it hands over (bpf/tls_bio.bpf.h): SSL_set_bio in the file that carries SSL_read,
/// and BIO_write in the same file when OpenSSL is linked in statically, else in the libcrypto next to
/// the libssl. Without them such TLS is counted as calls without a socket, as before; so a file where
/// they cannot be attached is still probed for SSL_read/SSL_write.
/// </summary>
internal sealed class MemoryBioProbes(KernelProgram program)
{
    private const int ENOENT = 2;
    private readonly Dictionary<string, ulong?> _bioWriteInternal = new(StringComparer.Ordinal);

    public void Attach(SslLibrary library, int pid)
    {
        program.AttachUprobe("ssl_set_bio_enter", library.Path, "SSL_set_bio", returnProbe: false, pid);
        if (AttachBioWrite(library.Path, pid) == ENOENT && LibCryptoBeside(library.Path) is { } libCrypto)
            AttachBioWrite(libCrypto, pid);
    }

    /// <summary>
    /// On libcrypto's internal write function when it is found (every record written passes here, and
    /// BIO_write's first instruction would be single-stepped: see <see cref="OpenSslInternalsFinder"/>), else on BIO_write.
    /// </summary>
    private int AttachBioWrite(string path, int pid)
    {
        if (!_bioWriteInternal.TryGetValue(path, out ulong? offset))
        {
            bool exportedOnly = Environment.GetEnvironmentVariable(SslProbes.PlacementVariable) == "exported";
            _bioWriteInternal[path] = offset = exportedOnly ? null : OpenSslInternalsFinder.FindBioWriteInternal(path);
        }
        return offset is { } at
            ? program.AttachUprobe("bio_write_enter", path, null, returnProbe: false, pid, at)
            : program.AttachUprobe("bio_write_enter", path, "BIO_write", returnProbe: false, pid);
    }

    /// <summary>OpenSSL ships libssl.so.N and libcrypto.so.N side by side; null when there is none.</summary>
    private static string? LibCryptoBeside(string libSslPath)
    {
        string name = Path.GetFileName(libSslPath);
        if (!SslLibraryFinder.IsLibSsl(name))
            return null;
        string path = Path.Combine(Path.GetDirectoryName(libSslPath) ?? "/", "libcrypto" + name["libssl".Length..]);
        return File.Exists(path) ? path : null;
    }
}
