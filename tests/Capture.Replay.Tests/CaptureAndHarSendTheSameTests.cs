using System.Net;
using System.Text;
using Capture.Format;
using Capture.Traffic.Har;
using Capture.Format.Records;
using Capture.Replay.Tests.Support;

namespace Capture.Replay.Tests;

/// <summary>
/// Replaying a capture and replaying the HAR made from it send the same bytes: the request URL is
/// built by one rule (UrlParts), whichever input it comes from.
/// </summary>
public sealed class CaptureAndHarSendTheSameTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("capture-same-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static readonly string[] Requests =
    [
        "GET /plain?x=1 HTTP/1.1\r\nHost: shop.example\r\n\r\n",
        "GET /caf\u00e9/\u65e5\u672c?q=\u00fc HTTP/1.1\r\nHost: shop.example:80\r\n\r\n", // raw UTF-8 in the target
        "GET http://shop.example/absolute?q=1 HTTP/1.1\r\nHost: shop.example\r\n\r\n", // absolute-form
        "GET /no-host-header HTTP/1.1\r\n\r\n",
        "POST /form HTTP/1.1\r\nHost: shop.example:8080\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 7\r\n\r\na=1&b=2",
    ];

    [Fact]
    public async Task A_capture_and_its_har_send_byte_identical_requests()
    {
        string capture = WriteCapture();
        string har = Path.Combine(_dir, "same.har");
        using (var reader = CaptureReader.Open(capture))
        using (var stream = File.Create(har))
            HarConversion.Run(reader, stream);
        await using var target = new RawTcpTarget(RawTcpTarget.Behaviour.Answer);

        var fromCapture = await SendAll(capture, target, already: 0);
        var fromHar = await SendAll(har, target, already: fromCapture.Count);

        Assert.Equal(Requests.Length, fromCapture.Count);
        Assert.Equal(fromCapture, fromHar);
        Assert.Contains(fromCapture, head => head.StartsWith("GET /caf%C3%A9/%E6%97%A5%E6%9C%AC?q=%C3%BC HTTP/1.1\r\n", StringComparison.Ordinal));
        Assert.Contains(fromCapture, head => head.StartsWith("GET /absolute?q=1 HTTP/1.1\r\n", StringComparison.Ordinal));
    }

    private static async Task<List<string>> SendAll(string input, RawTcpTarget target, int already)
    {
        var (exit, _, stderr) = await CaptureProcess.RunAsync("replay", input, "--target", target.BaseUri.ToString(), "--max", "--concurrency", "1", "--retries", "0");
        Assert.True(exit is 0 or 1, stderr);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (target.RequestHeads().Count < already + Requests.Length && DateTime.UtcNow < deadline)
            await Task.Delay(50, TestContext.Current.CancellationToken);
        return target.RequestHeads().Skip(already).Order(StringComparer.Ordinal).ToList();
    }

    private string WriteCapture()
    {
        string path = Path.Combine(_dir, "same.tcap");
        var header = new CaptureHeader("test-host", "6.18.0", "test", 1_700_000_000_000_000_000, new Dictionary<string, string>());
        using var writer = CaptureWriter.Create(path, header);
        var local = new IPEndPoint(IPAddress.Loopback, 8080);
        var remote = new IPEndPoint(IPAddress.Loopback, 50000);
        ulong ts = 1_000_000, inOffset = 0, outOffset = 0;
        writer.Write(new ConnectionOpenedRecord(ts, 1, 4242, 7, "shop", ConnectionRole.Server, ConnectionSource.Accept, local, remote, ConnectionFlags.None));
        byte[] response = "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nsame"u8.ToArray();
        foreach (string request in Requests)
        {
            byte[] bytes = Encoding.UTF8.GetBytes(request);
            writer.Write(new DataRecord(ts += 1_000_000, 1, Direction.Ingress, inOffset, bytes, 0, DataFlags.None));
            inOffset += (ulong)bytes.Length;
            writer.Write(new DataRecord(ts += 1_000_000, 1, Direction.Egress, outOffset, response, 0, DataFlags.None));
            outOffset += (ulong)response.Length;
        }
        writer.Write(new ConnectionClosedRecord(ts + 1_000_000, 1, outOffset, inOffset));
        writer.Complete(ts + 2_000_000);
        return path;
    }
}
