using Capture.EndToEnd.Tests.Infrastructure;
using Capture.Format.Records;

namespace Capture.EndToEnd.Tests;

/// <summary>nginx sends static files with sendfile(): bytes that never pass through user memory.</summary>
public class RecordNginxTests
{
    /// <param name="parent">Where the served file lives: /dev/shm is a tmpfs mount, so the kernel's path walk crosses a mount point.</param>
    [Theory]
    [InlineData(null)]
    [InlineData("/dev/shm")]
    public async Task A_static_file_sent_with_sendfile_is_recovered_from_the_file(string? parent)
    {
        BpfRequirement.Ensure();
        Assert.True(NginxServer.IsInstalled, "nginx is not installed (Debian package nginx-light; tests/install-deps.sh installs it)");
        if (parent is not null && !Directory.Exists(parent))
            Assert.Skip($"{parent} does not exist here");
        using var nginx = await NginxServer.StartAsync(sendfile: true, parentDirectory: parent);
        byte[] content = PythonHttpServer.Pattern(300_000);
        await File.WriteAllBytesAsync(Path.Combine(nginx.Root, "static.bin"), content, TestContext.Current.CancellationToken);
        using var scratch = new ScratchDirectory();

        using var recording = await RecordingSession.StartAsync("--port", nginx.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var url = new Uri(nginx.BaseAddress, "static.bin");
        var curl = await Curl.RunAsync("-D", scratch.File("headers"), url.ToString());
        var result = await recording.StopAsync();
        var capture = result.Read();

        Assert.Equal(content, curl.Stdout);
        var client = Assert.Single(capture.OfProcess(curl.Pid));
        byte[] headers = await File.ReadAllBytesAsync(scratch.File("headers"), TestContext.Current.CancellationToken);
        Assert.Equal(RecordPythonCurlTests.Concat(headers, content), client.Ingress);

        var serverEnd = Assert.Single(capture.ServersOn(nginx.Port));
        Assert.Equal("nginx", serverEnd.Opened.ProcessName);
        Assert.Contains(serverEnd.Data, d => (d.Flags & DataFlags.FromFile) != 0);
        Assert.DoesNotContain(serverEnd.Data, d => (d.Flags & DataFlags.Unrecoverable) != 0);
        Assert.Equal(client.Ingress, serverEnd.Egress);
        Assert.Equal(Curl.ExpectedGet(url), serverEnd.IngressText);
        Assert.Equal(0, result.Summary.GetProperty("sendfileUnrecoverable").GetInt32());
        Assert.InRange(result.Summary.GetProperty("sendfileRecovered").GetInt32(), 1, 1000);
    }
}
