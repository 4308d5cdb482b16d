using System.Text.RegularExpressions;
using Capture.Recorder.Tls.Go;
using Capture.Tests.Shared;

namespace Capture.Recorder.Tests.Go;

/// <summary>Finding crypto/tls's Read and Write, and every return of Read, in real Go binaries, stripped or not.</summary>
public class GoTlsFinderTests
{
    [Fact]
    public void A_go_https_server_has_both_functions_named_by_its_symbol_table_and_its_version()
    {
        var found = GoTlsFinder.Find(GoPrograms.Server, out string whyNot);

        Assert.True(found is not null, whyNot);
        Assert.True(found.FromSymbols);
        Assert.Equal(GoPrograms.ToolchainVersion, found.Version.Text);
        Assert.True(found.Version.HasRegisterAbi);
        Assert.NotEqual(found.Write.Entry, found.Read.Entry);
        Assert.NotEmpty(found.Read.Returns);
        Assert.All(found.Read.Returns, r => Assert.True(r > found.Read.Entry));
        byte[] file = File.ReadAllBytes(GoPrograms.Server);
        Assert.All(found.Read.Returns, r => Assert.Equal(0xC3, file[r])); // each is a RET (near return, no immediate)
    }

    [Fact]
    public void The_stripped_binary_gives_the_same_offsets_from_its_function_table()
    {
        var full = GoTlsFinder.Find(GoPrograms.Server, out _)!;
        var noSymbols = Assert.Throws<InvalidOperationException>(() => Symbols(GoPrograms.StrippedServer)); // really stripped
        Assert.Contains("no symbol", noSymbols.Message);

        var stripped = GoTlsFinder.Find(GoPrograms.StrippedServer, out string whyNot);

        Assert.True(stripped is not null, whyNot);
        Assert.False(stripped.FromSymbols);
        Assert.Equal(full.Write.Entry, stripped.Write.Entry);
        Assert.Equal(full.Read.Entry, stripped.Read.Entry);
        Assert.Equal(full.Read.Returns, stripped.Read.Returns);
        Assert.Equal(full.Write.Returns, stripped.Write.Returns);
        Assert.Equal(full.Handshake.Entry, stripped.Handshake.Entry);
        Assert.Equal(full.Handshake.Returns, stripped.Handshake.Returns);
        Assert.Equal(full.Version, stripped.Version);
    }

    [Theory]
    [InlineData(GoTlsFinder.ReadFunction)]
    [InlineData(GoTlsFinder.WriteFunction)]
    [InlineData(GoTlsFinder.HandshakeFunction)]
    public void Every_return_go_tool_objdump_lists_is_found_and_no_other(string function)
    {
        var found = GoTlsFinder.Find(GoPrograms.Server, out _)!;
        var probes = function switch
        {
            GoTlsFinder.ReadFunction => found.Read,
            GoTlsFinder.WriteFunction => found.Write,
            _ => found.Handshake,
        };
        // Go's own disassembler, independent of the decoder under test: lines are "file:line 0xADDR bytes RET".
        string listing = GoPrograms.Run("go", Path.GetTempPath(), "tool", "objdump", "-s", "^" + Regex.Escape(function) + "$", GoPrograms.Server);
        var instructions = Regex.Matches(listing, @"\s0x([0-9a-f]+)\s+[0-9a-f]+\s+([A-Z]+)")
            .Select(m => (Address: Convert.ToUInt64(m.Groups[1].Value, 16), Mnemonic: m.Groups[2].Value)).ToList();
        var addresses = instructions.Where(i => i.Mnemonic == "RET").Select(i => i.Address).ToList();
        // The entry probe sits on the stack check's branch (JBE, emulated by the kernel), among the first three instructions.
        var branch = Assert.Single(instructions.Take(3), i => i.Mnemonic.StartsWith('J'));

        Assert.NotEmpty(addresses);
        // objdump prints virtual addresses; the finder gives file offsets: the same distances from the entry probe.
        Assert.Equal(addresses.Select(a => a - branch.Address), probes.Returns.Select(r => r - probes.Entry));
        byte[] file = File.ReadAllBytes(GoPrograms.Server);
        Assert.True(file[probes.Entry] is 0x0f or 0x76, $"not a JBE at 0x{probes.Entry:x}: {file[probes.Entry]:x2}");
    }

    [Fact]
    public void Programs_that_cannot_be_probed_say_why()
    {
        Assert.Null(GoTlsFinder.Find(GoPrograms.WithoutTls, out string noTls));
        Assert.Contains("without crypto/tls", noTls);
        Assert.Null(GoTlsFinder.Find("/usr/bin/curl", out string notGo));
        Assert.Contains("not a Go program", notGo);
        Assert.Null(GoTlsFinder.Find("/etc/hostname", out string notElf));
        Assert.Contains("not an x86-64 ELF", notElf);
    }

    [Fact]
    public void A_program_built_before_go_1_17_is_refused_with_its_version_and_flagged_as_worth_telling()
    {
        string old = Path.Combine(Path.GetTempPath(), $"capture-go-116-{Guid.NewGuid():N}");
        try
        {
            File.WriteAllBytes(old, GoToolchain.WithBuildVersion(File.ReadAllBytes(GoPrograms.Server), "go1.16.8"));

            Assert.Null(GoTlsFinder.Find(old, out string whyNot, out bool refused));
            Assert.Equal("built with go1.16.8; Go 1.17 or later is needed (register calling convention)", whyNot);
            Assert.True(refused);
            // Not Go, or Go without TLS: nothing to tell the user.
            Assert.Null(GoTlsFinder.Find(GoPrograms.WithoutTls, out _, out bool plainRefused));
            Assert.Null(GoTlsFinder.Find("/usr/bin/curl", out _, out bool curlRefused));
            Assert.False(plainRefused || curlRefused);
        }
        finally
        {
            File.Delete(old);
        }
    }

    [Fact]
    public void Damaged_go_binaries_are_refused_never_a_crash()
    {
        byte[] original = File.ReadAllBytes(GoPrograms.StrippedServer);
        string damaged = Path.Combine(Path.GetTempPath(), $"capture-go-damaged-{Guid.NewGuid():N}");
        var random = new Random(1234);
        try
        {
            for (int round = 0; round < 40; round++)
            {
                byte[] copy = round % 2 == 0 ? original[..random.Next(64, original.Length)] : (byte[])original.Clone();
                for (int flips = 0; round % 2 == 1 && flips < 200; flips++)
                    copy[random.Next(copy.Length)] ^= (byte)(1 << random.Next(8));
                File.WriteAllBytes(damaged, copy);
                var found = GoTlsFinder.Find(damaged, out string whyNot); // must return, one way or the other
                Assert.True(found is not null || whyNot.Length > 0);
            }
        }
        finally
        {
            File.Delete(damaged);
        }
    }

    private static string Symbols(string binary) => GoPrograms.Run("go", Path.GetTempPath(), "tool", "nm", binary);
}
