using Capture.EndToEnd.Tests.Cli;
using Capture.EndToEnd.Tests.Infrastructure;

namespace Capture.EndToEnd.Tests;

/// <summary>`capture record` TLS options that a user can get wrong: one sentence, a documented exit code, no file left behind.</summary>
public class RecordTlsOptionTests
{
    [Fact]
    public async Task No_tls_with_tls_or_ssl_lib_is_a_usage_error()
    {
        using var scratch = new ScratchDirectory();
        var both = await CaptureCli.RunAsync("record", "-o", scratch.File("a.tcap"), "--duration", "1s", "--tls", "--no-tls");
        var withLib = await CaptureCli.RunAsync("record", "-o", scratch.File("b.tcap"), "--duration", "1s", "--no-tls", "--ssl-lib", "/usr/lib/x86_64-linux-gnu/libssl.so.3");
        foreach (var result in new[] { both, withLib })
        {
            Assert.Equal(2, result.ExitCode);
            Assert.Equal("capture: --no-tls cannot be combined with --tls or --ssl-lib.", result.Stderr.Trim());
        }
        Assert.Empty(Directory.GetFiles(scratch.Path));
    }

    [Fact]
    public async Task An_ssl_lib_that_is_missing_or_not_openssl_is_bad_input()
    {
        BpfRequirement.Ensure();
        using var scratch = new ScratchDirectory();
        string missing = scratch.File("no-such-libssl.so");
        var gone = await CaptureCli.RunAsync("record", "-o", scratch.File("a.tcap"), "--duration", "1s", "--ssl-lib", missing);
        Assert.Equal(3, gone.ExitCode);
        Assert.Equal($"capture: --ssl-lib {missing} cannot be opened.", gone.Stderr.Trim());

        // A real ELF file without SSL_read.
        string elf = "/usr/bin/env";
        var notSsl = await CaptureCli.RunAsync("record", "-o", scratch.File("b.tcap"), "--duration", "1s", "--ssl-lib", elf);
        Assert.Equal(3, notSsl.ExitCode);
        Assert.Equal($"capture: --ssl-lib {elf}: it does not export SSL_read (not OpenSSL's libssl?).", notSsl.Stderr.Trim());
        Assert.Empty(Directory.GetFiles(scratch.Path));
    }
}
