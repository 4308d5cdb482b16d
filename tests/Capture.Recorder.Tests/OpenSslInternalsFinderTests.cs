using Capture.Recorder.Tls;

namespace Capture.Recorder.Tests;

/// <summary>Locating ssl_read_internal/ssl_write_internal in a real libssl, and refusing what does not have the expected shape.</summary>
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
    public void Files_without_the_expected_shape_give_nothing()
    {
        string text = Path.GetTempFileName();
        try
        {
            File.WriteAllText(text, "not an ELF file");
            Assert.Null(OpenSslInternalsFinder.Find(text));
            Assert.Null(OpenSslInternalsFinder.Find("/usr/bin/env")); // an ELF file without SSL_read
            Assert.Null(OpenSslInternalsFinder.Find(text + ".missing"));
        }
        finally
        {
            File.Delete(text);
        }
    }
}
