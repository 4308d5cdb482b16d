using Capture.Replay.Sending;
using Capture.Replay.Tests.Support;
using Microsoft.AspNetCore.Http;

namespace Capture.Replay.Tests;

/// <summary>An https target with the kind of self-signed certificate staging servers often have.</summary>
public class TlsTargetTests
{
    [Fact]
    public async Task Self_signed_https_target_fails_cleanly_unless_insecure_is_allowed()
    {
        using var certificate = KestrelTarget.SelfSignedCertificate();
        await using var server = await KestrelTarget.StartAsync(ctx => ctx.Response.WriteAsync("ok"), certificate);
        Assert.Equal("https", server.BaseUri.Scheme);
        var plan = new HarBuilder().Add("GET", "https://prod/secure", responseText: "ok").ToPlan();

        var strict = await TestReplay.RunAsync(plan, TestReplay.Options(server.BaseUri) with { Resilience = TestReplay.FastFailing with { MaxRetries = 0 } });
        Assert.Equal(ErrorKinds.TlsFailed, Assert.Single(strict.Errors).Kind);

        var insecure = await TestReplay.RunAsync(plan, TestReplay.Options(server.BaseUri) with { AllowInvalidCertificates = true });
        Assert.Equal(1, insecure.Summary.Matched);
    }
}
