using Capture.Recorder.Tls;

namespace Capture.Recorder.Tests;

/// <summary>Locating ssl_read_internal/ssl_write_internal in a real libssl (and bio_write_intern in libcrypto), and refusing what does not have the expected shape.</summary>
public class OpenSslInternalsFinderTests
{
    private const string DebianLibSsl = "/usr/lib/x86_64-linux-gnu/libssl.so.3";

    [Fact]
    public void In_debians_libssl_3_both_internal_functions_are_found_and_start_with_a_push()
    {
        Assert.True(File.Exists(DebianLibSsl), $"{DebianLibSsl} is missing (Debian package libssl3)");
        var found = OpenSslInternalsFinder.Find(DebianLibSsl);

        Assert.NotNull(found);
        byte[] elf = File.ReadAllBytes(DebianLibSsl);
        foreach (ulong offset in new[] { found.Value.ReadInternal, found.Value.WriteInternal })
        {
            byte first = elf[offset], second = elf[offset + 1];
            Assert.True(first is >= 0x50 and <= 0x57 || (first == 0x41 && second is >= 0x50 and <= 0x57), $"offset 0x{offset:x} starts with {first:x2} {second:x2}");
        }
        Assert.NotEqual(found.Value.ReadInternal, found.Value.WriteInternal);
    }

    [Fact]
    public void In_debians_libcrypto_3_the_function_behind_bio_write_is_found_and_starts_with_a_push()
    {
        const string libCrypto = "/usr/lib/x86_64-linux-gnu/libcrypto.so.3";
        Assert.True(File.Exists(libCrypto), $"{libCrypto} is missing (Debian package libssl3)");
        ulong? found = OpenSslInternalsFinder.FindBioWriteInternal(libCrypto);

        Assert.NotNull(found);
        byte[] elf = File.ReadAllBytes(libCrypto);
        byte first = elf[found.Value], second = elf[found.Value + 1];
        Assert.True(first is >= 0x50 and <= 0x57 || (first == 0x41 && second is >= 0x50 and <= 0x57), $"offset 0x{found:x} starts with {first:x2} {second:x2}");
        // libssl has no BIO_write of its own: nothing to find there.
        Assert.Null(OpenSslInternalsFinder.FindBioWriteInternal(DebianLibSsl));
    }

    [Fact]
    public void Files_without_the_expected_shape_give_nothing()
    {
        string text = Path.GetTempFileName();
        try
        {
            File.WriteAllText(text, "not an ELF file");
            Assert.Null(OpenSslInternalsFinder.Find(text));
            Assert.Null(OpenSslInternalsFinder.Find("/usr/bin/env")); // an ELF file without SSL_read
            Assert.Null(OpenSslInternalsFinder.Find(text + ".missing"));
            Assert.Null(OpenSslInternalsFinder.FindBioWriteInternal(text));
            Assert.Null(OpenSslInternalsFinder.FindBioWriteInternal("/usr/bin/env"));
        }
        finally
        {
            File.Delete(text);
        }
    }
}
