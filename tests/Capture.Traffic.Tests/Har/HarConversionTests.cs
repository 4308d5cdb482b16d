using System.IO.Compression;
using System.Net;
using System.Text;
using Capture.Traffic.Har;
using Capture.Traffic.Reassembly;
using Capture.Format.Records;
using Capture.Traffic.Redaction;
using Capture.Traffic.Tests.Reassembly;

namespace Capture.Traffic.Tests.Har;

public class HarConversionTests
{
    private const string Server = "10.1.0.1:8080";

    private static byte[] Gzip(string text)
    {
        using var m = new MemoryStream();
        using (var z = new GZipStream(m, CompressionLevel.Fastest))
            z.Write(Encoding.UTF8.GetBytes(text));
        return m.ToArray();
    }

    private static byte[] Brotli(string text)
    {
        using var m = new MemoryStream();
        using (var z = new BrotliStream(m, CompressionLevel.Fastest))
            z.Write(Encoding.UTF8.GetBytes(text));
        return m.ToArray();
    }

    private static byte[] Zlib(string text)
    {
        using var m = new MemoryStream();
        using (var z = new ZLibStream(m, CompressionLevel.Fastest))
            z.Write(Encoding.UTF8.GetBytes(text));
        return m.ToArray();
    }

    private static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();
    private static byte[] Ascii(string s) => Encoding.ASCII.GetBytes(s);

    private const string Json = "{\"items\":[{\"id\":1,\"name\":\"caf\u00e9\"},{\"id\":2,\"name\":\"th\u00e9\"}]}";

    /// <summary>Connection 1: a server's view of varied exchanges. Connection 2: a TLS client's HTTP/1.0 request without Host.</summary>
    internal static (RecordScript Script, Dictionary<string, ulong> Marks) Scenario()
    {
        var marks = new Dictionary<string, ulong>();
        var s = new RecordScript().Open(1, ConnectionRole.Server, Server, "10.1.0.2:40000", pid: 321, process: "api");

        s.Send(1, Direction.Ingress, "GET /search?q=hello+world&lang=en&token=abc HTTP/1.1\r\nHost: api.test:8080\r\nCookie: a=1; b=2\r\nAuthorization: Bearer xyz\r\n\r\n");
        marks["get.request"] = s.Now;
        s.Tick(5_000_000);
        byte[] gz = Gzip(Json);
        s.Send(1, Direction.Egress, Concat(
            Ascii($"HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=utf-8\r\nContent-Encoding: gzip\r\nTransfer-Encoding: chunked\r\nSet-Cookie: sid=42; Path=/; Expires=Wed, 21 Oct 2037 07:28:00 GMT; HttpOnly; Secure\r\n\r\n{gz.Length - 10:x}\r\n"),
            gz[..^10]));
        marks["get.response.first"] = s.Now;
        s.Tick(2_000_000);
        s.Send(1, Direction.Egress, Concat(Ascii("\r\n"), Ascii($"{10:x}\r\n"), gz[^10..], Ascii("\r\n0\r\n\r\n")));
        marks["get.response.last"] = s.Now;

        s.Send(1, Direction.Ingress, "POST /login HTTP/1.1\r\nHost: api.test:8080\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 24\r\n\r\nuser=bob&pw=s%26cret+x!!");
        s.Send(1, Direction.Egress, "HTTP/1.1 302 Found\r\nLocation: /home\r\nContent-Length: 0\r\n\r\n");

        byte[] binary = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();
        byte[] br = Brotli("plain text answer");
        s.Send(1, Direction.Ingress, Concat(Ascii("PUT /blob HTTP/1.1\r\nHost: api.test:8080\r\nContent-Type: application/octet-stream\r\nContent-Length: 256\r\n\r\n"), binary));
        s.Send(1, Direction.Egress, Concat(Ascii($"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Encoding: br\r\nContent-Length: {br.Length}\r\n\r\n"), br));

        byte[] png = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13];
        s.Send(1, Direction.Ingress, "GET /logo.png HTTP/1.1\r\nHost: api.test:8080\r\n\r\n");
        s.Send(1, Direction.Egress, Concat(Ascii($"HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nContent-Length: {png.Length}\r\n\r\n"), png));

        byte[] zlib = Zlib("deflated words");
        s.Send(1, Direction.Ingress, "GET /deflate HTTP/1.1\r\nHost: api.test:8080\r\n\r\n");
        s.Send(1, Direction.Egress, Concat(Ascii($"HTTP/1.1 200 OK\r\nContent-Encoding: deflate\r\nContent-Length: {zlib.Length}\r\n\r\n"), zlib));

        s.Send(1, Direction.Ingress, "GET /cut HTTP/1.1\r\nHost: api.test:8080\r\n\r\n");
        s.Send(1, Direction.Egress, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789", cut: 90);

        s.Send(1, Direction.Ingress, "GET /path with space/caf\u00e9 HTTP/1.1\r\nHost: api.test:8080\r\n\r\n");
        s.Send(1, Direction.Egress, "HTTP/1.1 2x4 Weird\r\n\r\n");
        s.Close(1);

        s.Records.Add(new ConnectionOpenedRecord(s.Tick().Now, 2, 77, 9, "curl", ConnectionRole.Client, ConnectionSource.Connect,
            IPEndPoint.Parse("[::1]:50000"), IPEndPoint.Parse("[::1]:8443"), ConnectionFlags.Tls));
        s.Send(2, Direction.Egress, "GET /tls HTTP/1.0\r\n\r\n");
        s.Send(2, Direction.Ingress, "HTTP/1.0 200 OK\r\n\r\nsecure body");
        s.Close(2);

        s.Open(3, ConnectionRole.Client, "10.1.0.2:40001", Server);
        s.Send(3, Direction.Egress, "DELETE /never-answered HTTP/1.1\r\nHost: api.test\r\n\r\n").Close(3);
        return (s, marks);
    }

    private static (HarLog Log, HarConversionSummary Summary, string Path) Convert(RecordScript script, HarConversionOptions? options = null)
    {
        string path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"conv-{Guid.NewGuid():N}.har");
        HarConversionSummary summary;
        using (var file = File.Create(path))
            summary = HarConversion.Run(RecordScript.Header, script.Records, file, options);
        return (HarReader.Read(path), summary, path);
    }

    [Fact]
    public void Every_field_of_a_varied_capture_is_right_and_the_validator_accepts_it()
    {
        var (script, marks) = Scenario();
        var (log, summary, path) = Convert(script);
        try
        {
            HarValidatorTool.AssertValid(path);

            Assert.Equal("capture", log.Creator.Name);
            Assert.True(log.Entries.Count == 9, string.Join("\n", log.Entries.Select(e => e.Request.Url + " " + e.Response.Status)));
            Assert.Equal(9, summary.Written);
            Assert.True(log.Entries.Zip(log.Entries.Skip(1)).All(p => p.First.StartedDateTime <= p.Second.StartedDateTime));

            var get = log.Entries[0];
            Assert.Equal("http://api.test:8080/search?q=hello+world&lang=en&token=abc", get.Request.Url);
            Assert.Equal([new HarNameValue("q", "hello world"), new HarNameValue("lang", "en"), new HarNameValue("token", "abc")], get.Request.QueryString);
            Assert.Equal(["a=1", "b=2"], get.Request.Cookies.Select(c => $"{c.Name}={c.Value}"));
            Assert.Equal(RecordScript.Header.ToWallClock(marks["get.request"]), get.StartedDateTime);
            Assert.Equal("10.1.0.1", get.ServerIPAddress);
            Assert.Equal(321, get.Pid);
            Assert.Equal("api", get.Process);
            Assert.Equal(1UL, get.ConnectionId);
            Assert.False(get.Incomplete);
            Assert.Equal(Json, get.Response.Content.Text);
            Assert.Null(get.Response.Content.Encoding);
            Assert.Equal(Encoding.UTF8.GetByteCount(Json), get.Response.Content.Size);
            Assert.Equal(Gzip(Json).Length, get.Response.BodySize);
            Assert.Equal(get.Response.Content.Size - get.Response.BodySize, get.Response.Content.Compression);
            Assert.Equal("application/json; charset=utf-8", get.Response.Content.MimeType);
            var cookie = Assert.Single(get.Response.Cookies);
            Assert.Equal(("sid", "42", "/", true, true), (cookie.Name, cookie.Value, cookie.Path, cookie.HttpOnly, cookie.Secure));
            Assert.StartsWith("2037-10-21T07:28:00", cookie.Expires);
            Assert.Equal(0, get.Timings.Send);
            Assert.Equal((marks["get.response.first"] - marks["get.request"]) / 1e6, get.Timings.Wait, 3);
            Assert.Equal((marks["get.response.last"] - marks["get.response.first"]) / 1e6, get.Timings.Receive, 3);
            Assert.Equal(-1, get.Timings.Connect);
            Assert.Equal(-1, get.Timings.Ssl);
            Assert.Equal(get.Timings.Send + get.Timings.Wait + get.Timings.Receive, get.Time, 3);
            Assert.Equal("GET /search?q=hello+world&lang=en&token=abc HTTP/1.1\r\nHost: api.test:8080\r\nCookie: a=1; b=2\r\nAuthorization: Bearer xyz\r\n\r\n".Length, get.Request.HeadersSize);
            Assert.Equal(0, get.Request.BodySize);
            Assert.Null(get.Request.PostData);

            var login = log.Entries[1];
            Assert.Equal("application/x-www-form-urlencoded", login.Request.PostData!.MimeType);
            Assert.Equal("user=bob&pw=s%26cret+x!!", login.Request.PostData.Text);
            Assert.Equal(["user=bob", "pw=s&cret x!!"], login.Request.PostData.Params.Select(p => $"{p.Name}={p.Value}"));
            Assert.Equal(24, login.Request.BodySize);
            Assert.Equal(302, login.Response.Status);
            Assert.Equal("/home", login.Response.RedirectUrl);

            var put = log.Entries[2];
            Assert.Equal("base64", put.Request.PostData!.Encoding);
            Assert.Equal(Enumerable.Range(0, 256).Select(i => (byte)i), System.Convert.FromBase64String(put.Request.PostData.Text!));
            Assert.Equal("plain text answer", put.Response.Content.Text);

            var png = log.Entries[3];
            Assert.Equal("base64", png.Response.Content.Encoding);
            Assert.Equal(12, System.Convert.FromBase64String(png.Response.Content.Text!).Length);

            Assert.Equal("deflated words", log.Entries[4].Response.Content.Text);

            var cut = log.Entries[5];
            Assert.True(cut.Incomplete);
            Assert.Equal(90, cut.GapBytes);
            Assert.Equal("0123456789", cut.Response.Content.Text);

            var weird = log.Entries[6];
            Assert.Equal("http://api.test:8080/path%20with%20space/caf%C3%A9", weird.Request.Url);
            Assert.True(weird.Malformed);

            var tls = log.Entries[7];
            Assert.Equal("https://[::1]:8443/tls", tls.Request.Url);
            Assert.Equal("HTTP/1.0", tls.Response.HttpVersion);
            Assert.Equal("secure body", tls.Response.Content.Text);
            Assert.Equal("::1", tls.ServerIPAddress);

            var unanswered = log.Entries[8];
            Assert.Equal("DELETE", unanswered.Request.Method);
            Assert.Equal(0, unanswered.Response.Status);
            Assert.True(unanswered.Incomplete);

            Assert.Equal(2, summary.Incomplete);
            Assert.Equal(1, summary.Malformed);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Filters_and_redaction_apply_before_writing()
    {
        var (script, _) = Scenario();
        var options = new HarConversionOptions
        {
            Filter = new ExchangeFilter { Pid = 321, Method = "GET", PathPrefix = "/search" },
            Redaction = new RedactionRules { Names = ["token", "pw"] },
        };
        var (log, summary, path) = Convert(script, options);
        try
        {
            HarValidatorTool.AssertValid(path);
            var entry = Assert.Single(log.Entries);
            Assert.Equal(8, summary.SkippedByFilter);
            Assert.StartsWith(RedactionTokens.Prefix, entry.Request.Headers.Single(h => h.Name == "Authorization").Value);
            Assert.StartsWith(RedactionTokens.Prefix, entry.Request.Headers.Single(h => h.Name == "Cookie").Value);
            Assert.All(entry.Request.Cookies.Concat(entry.Response.Cookies), c => Assert.StartsWith(RedactionTokens.Prefix, c.Value));
            Assert.StartsWith(RedactionTokens.Prefix, entry.Request.QueryString.Single(q => q.Name == "token").Value);
            Assert.Contains("token=redacted%3A", entry.Request.Url);
            Assert.DoesNotContain("abc", entry.Request.Url);
            Assert.Contains("lang=en", entry.Request.Url);
            Assert.DoesNotContain("xyz", File.ReadAllText(path));
            Assert.DoesNotContain("sid=42", File.ReadAllText(path));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Redaction_of_form_fields_removes_them_from_the_text_too()
    {
        var (script, _) = Scenario();
        var (log, _, path) = Convert(script, new HarConversionOptions { Filter = new ExchangeFilter { Method = "POST" }, Redaction = new RedactionRules { Names = ["pw"] } });
        File.Delete(path);
        var post = Assert.Single(log.Entries).Request.PostData!;
        string token = post.Params.Single(p => p.Name == "pw").Value!;
        Assert.StartsWith(RedactionTokens.Prefix, token);
        Assert.Equal("user=bob&pw=" + Uri.EscapeDataString(token), post.Text);
    }
}
