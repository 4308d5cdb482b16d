using System.Text.Json;
using Capture.Replay.Sending;
using Capture.Replay.Tests.Support;

namespace Capture.Replay.Tests;

/// <summary>
/// A recording is hostile input: nothing reaches the wire that the HAR did not faithfully describe.
/// Checked on the bytes a plain socket server really receives from the real `capture replay`.
/// </summary>
public class HostileRequestTests : IAsyncLifetime
{
    readonly string _dir = Directory.CreateTempSubdirectory("capture-hostile-").FullName;
    RawTcpTarget _target = null!;

    public ValueTask InitializeAsync()
    {
        _target = new RawTcpTarget(RawTcpTarget.Behaviour.Answer);
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        await _target.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    string Write(HarBuilder har)
    {
        string file = Path.Combine(_dir, $"{Guid.NewGuid():N}.har");
        File.WriteAllText(file, har.ToJson());
        return file;
    }

    [Fact]
    public async Task Injected_request_lines_and_headers_never_reach_the_wire_and_valid_requests_arrive_byte_exact()
    {
        var har = new HarBuilder()
            .Add("GET", "http://h/a HTTP/1.1\r\nX-Injected: url\r\n\r\nGET /smuggled", responseText: "same")
            .Add("GET", "http://h/b", responseText: "same", headers: [("X-Foo", "v\r\nX-Injected: header")])
            .Add("GET", "http://h/c", responseText: "same", headers: [("Cookie", "a=1\r\nX-Injected: cookie")])
            .Add("GET", "http://h/d", responseText: "same", headers: [("X-Bare-Cr", "a\rX-Injected: cr")])
            .Add("GET", "http://h/e", responseText: "same", headers: [("X-Bare-Lf", "a\nX-Injected: lf")])
            .Add("GET", "http://h/f", responseText: "same", headers: [("X-Nul", "a\0b")])
            .Add("GET", "http://h/g", responseText: "same", headers: [("X-Injected: name", "v")])
            .Add("GET /smuggled HTTP/1.1\r\nX-Injected: method\r\n\r\nGET", "http://h/h", responseText: "same")
            .Add("GET", "http://h/caf\u00e9/\u65e5\u672c?q=\u00fc x", responseText: "same")
            .Add("GET", "http://h/ok?x=1", responseText: "same", headers: [("X-Ok", "fine\tand \u00e9")]);
        string report = Path.Combine(_dir, "report.json");

        var (exit, _, stderr) = await CaptureProcess.RunAsync("replay", Write(har), "--target", _target.BaseUri.ToString(),
            "--max", "--concurrency", "1", "--retries", "0", "--report", report);

        string wire = string.Concat(_target.Received());
        Assert.DoesNotContain("Injected", wire, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("smuggled", wire);
        Assert.DoesNotContain('\0', wire);
        string host = $"Host: 127.0.0.1:{_target.BaseUri.Port}\r\n";
        Assert.Equal(
            [
                "GET /caf%C3%A9/%E6%97%A5%E6%9C%AC?q=%C3%BC%20x HTTP/1.1\r\n" + host + "\r\n",
                "GET /ok?x=1 HTTP/1.1\r\n" + host + "X-Ok: fine\tand \u00c3\u00a9\r\n\r\n", // UTF-8 bytes of é, read as Latin-1
            ],
            _target.RequestHeads().Order(StringComparer.Ordinal));

        Assert.True(exit == 1, $"skipped requests fail the gate: exit {exit}, {stderr}");
        using var json = JsonDocument.Parse(File.ReadAllText(report));
        var summary = json.RootElement.GetProperty("summary");
        Assert.Equal(8, summary.GetProperty("skipped").GetInt32());
        Assert.Equal(2, summary.GetProperty("matched").GetInt32());
        var reasons = json.RootElement.GetProperty("skipped").EnumerateArray().Select(s => s.GetProperty("reason").GetString()).ToList();
        Assert.Equal(
            [
                "URL contains CR/LF",
                "header X-Foo value contains CR/LF",
                "header Cookie value contains CR/LF",
                "header X-Bare-Cr value contains CR/LF",
                "header X-Bare-Lf value contains CR/LF",
                "header X-Nul value contains NUL",
                "header name 'X-Injected: name' is not an HTTP token",
            ],
            reasons[..7]);
        Assert.StartsWith(@"method 'GET /SMUGGLED HTTP/1.1\x0D\x0AX-INJECTED", reasons[7]);
        Assert.EndsWith("...' is not an HTTP token", reasons[7]);
    }

    [Fact]
    public async Task The_summary_table_lists_skipped_requests_with_their_reason_on_one_line()
    {
        var har = new HarBuilder().Add("GET", "http://h/b", responseText: "same", headers: [("X-Foo", "v\r\nX-Injected: header")]);

        var (exit, stdout, _) = await CaptureProcess.RunAsync("replay", Write(har), "--target", _target.BaseUri.ToString(), "--max");

        Assert.Equal(1, exit);
        Assert.Contains("skipped #0 GET http://h/b: header X-Foo value contains CR/LF", stdout);
        Assert.Matches(@"skipped\s+1 not sent", stdout);
        Assert.Empty(_target.Received());
    }

    [Theory]
    [InlineData("--set-header", "X-A: b\r\nX-Injected: c")]
    [InlineData("--set-header", "X-A: b\nc")]
    [InlineData("--set-header", "X A: b")]
    [InlineData("--path-prefix-rewrite", "/a=/b\r\nX-Injected: c")]
    public async Task Rewrites_that_cannot_be_sent_are_usage_errors_and_nothing_is_sent(string option, string value)
    {
        var har = new HarBuilder().Add("GET", "http://h/a", responseText: "same");

        var (exit, _, stderr) = await CaptureProcess.RunAsync("replay", Write(har), "--target", _target.BaseUri.ToString(), "--max", option, value);

        Assert.Equal(2, exit);
        Assert.StartsWith($"capture: {option} cannot be sent: ", stderr);
        Assert.Single(stderr.TrimEnd().Split('\n'));
        Assert.Equal(0, _target.Accepted);
    }
}

/// <summary>The rules themselves, one place for every outgoing request (RFC 9110).</summary>
public class OutgoingRequestCheckTests
{
    [Theory]
    [InlineData("GET", true)]
    [InlineData("M-SEARCH", true)]
    [InlineData("X!#$%&'*+.^_`|~9", true)]
    [InlineData("", false)]
    [InlineData("GET ", false)]
    [InlineData("G\u00c9T", false)]
    [InlineData("X:Y", false)]
    public void Tokens(string text, bool valid) => Assert.Equal(valid, OutgoingRequestCheck.IsToken(text));

    [Theory]
    [InlineData("plain value", null)]
    [InlineData("tab\tinside", null)]
    [InlineData("caf\u00e9 \u65e5\u672c \ud83d\ude00", null)]
    [InlineData("a\r\nb", "contains CR/LF")]
    [InlineData("a\rb", "contains CR/LF")]
    [InlineData("a\nb", "contains CR/LF")]
    [InlineData("a\0b", "contains NUL")]
    [InlineData("a\u0001b", "contains control character 0x01")]
    [InlineData("a\u007fb", "contains control character 0x7F")]
    public void Field_values(string value, string? problem) => Assert.Equal(problem, OutgoingRequestCheck.FieldValueProblem(value));

    [Fact]
    public void Unpaired_surrogates_cannot_be_encoded_faithfully()
    {
        // Built at run time: an attribute would store the lone surrogate as U+FFFD.
        string lone = "a" + (char)0xD800 + "b";
        Assert.Equal("contains invalid UTF-16 (an unpaired surrogate)", OutgoingRequestCheck.FieldValueProblem(lone));
        Assert.Equal("URL contains invalid UTF-16 (an unpaired surrogate)", OutgoingRequestCheck.TargetProblem("/" + lone));
    }

    [Theory]
    [InlineData("/a/b?c=d&e=%20", "/a/b?c=d&e=%20")]
    [InlineData("/a b", "/a%20b")]
    [InlineData("/caf\u00e9", "/caf%C3%A9")]
    [InlineData("/\ud83d\ude00", "/%F0%9F%98%80")]
    [InlineData("/q?<x>|{y}", "/q?<x>|{y}")]
    public void Targets_are_percent_encoded_as_utf8_never_truncated(string path, string sent)
    {
        Assert.Null(OutgoingRequestCheck.TargetProblem(path));
        Assert.Equal(sent, OutgoingRequestCheck.EncodeTarget(path));
    }

    [Theory]
    [InlineData("/a\r\nb", "URL contains CR/LF")]
    [InlineData("/a\tb", "URL contains control character 0x09")]
    [InlineData("/a\0", "URL contains NUL")]
    public void Targets_with_control_characters_are_refused(string path, string problem) =>
        Assert.Equal(problem, OutgoingRequestCheck.TargetProblem(path));
}
