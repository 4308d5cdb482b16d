using Capture.Format;
using System.Text;
using Capture.Traffic.Har;

namespace Capture.Traffic.Tests.Har;

public class HarReaderTests
{
    // Shaped like a Chrome DevTools export: extra "_" fields, pages, integer and fractional numbers.
    private const string BrowserHar = """
    {
      "log": {
        "version": "1.2",
        "creator": { "name": "WebInspector", "version": "537.36" },
        "pages": [ { "startedDateTime": "2024-03-01T10:00:00.000Z", "id": "page_1", "title": "Shop", "pageTimings": { "onContentLoad": 120.5, "onLoad": 300 } } ],
        "entries": [
          {
            "_initiator": { "type": "parser" }, "_priority": "VeryHigh", "_resourceType": "document",
            "cache": {}, "connection": "1234", "pageref": "page_1",
            "request": {
              "method": "POST", "url": "https://shop.example/cart?x=1", "httpVersion": "http/2.0",
              "headers": [ { "name": ":authority", "value": "shop.example" }, { "name": "content-type", "value": "application/json" } ],
              "queryString": [ { "name": "x", "value": "1" } ], "cookies": [ { "name": "sid", "value": "9", "expires": null, "httpOnly": false, "secure": true } ],
              "headersSize": -1, "bodySize": 13, "postData": { "mimeType": "application/json", "text": "{\"qty\":2,\"a\":1}" }
            },
            "response": {
              "status": 201, "statusText": "", "httpVersion": "http/2.0",
              "headers": [ { "name": "content-type", "value": "image/gif" } ], "cookies": [],
              "content": { "size": 6, "mimeType": "image/gif", "text": "R0lGODlh", "encoding": "base64" },
              "redirectURL": "", "headersSize": -1, "bodySize": 0, "_transferSize": 120, "_error": null
            },
            "serverIPAddress": "[2001:db8::1]", "startedDateTime": "2024-03-01T10:00:00.123+01:00", "time": 45.678,
            "timings": { "blocked": 1.2, "dns": -1, "ssl": -1, "connect": -1, "send": 0.1, "wait": 40.3, "receive": 4.078, "_blocked_queueing": 0.9 }
          }
        ]
      }
    }
    """;

    [Fact]
    public void Reads_a_browser_export()
    {
        var log = HarReader.Read(new MemoryStream(Encoding.UTF8.GetBytes(BrowserHar)));
        Assert.Equal("WebInspector", log.Creator.Name);
        Assert.Equal("page_1", Assert.Single(log.Pages).Id);
        Assert.Equal(300, log.Pages[0].OnLoad);
        var e = Assert.Single(log.Entries);
        Assert.Equal(new DateTimeOffset(2024, 3, 1, 9, 0, 0, 123, TimeSpan.Zero), e.StartedDateTime);
        Assert.Equal(45.678, e.Time);
        Assert.Equal("POST", e.Request.Method);
        Assert.Equal("https://shop.example/cart?x=1", e.Request.Url);
        Assert.Equal(":authority", e.Request.Headers[0].Name);
        Assert.Equal("{\"qty\":2,\"a\":1}", e.Request.PostData!.Text);
        Assert.True(e.Request.Cookies[0].Secure);
        Assert.Equal(201, e.Response.Status);
        Assert.Equal([(byte)'G', (byte)'I', (byte)'F', (byte)'8', (byte)'9', (byte)'a'], BodyText.ToBytes(e.Response.Content.Text, e.Response.Content.Encoding));
        Assert.Equal(40.3, e.Timings.Wait);
        Assert.Null(e.Pid);
    }

    [Fact]
    public void Writer_output_reads_back_field_for_field()
    {
        var entry = new HarEntry
        {
            StartedDateTime = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero).AddTicks(1234560),
            Request = new HarRequest
            {
                Method = "PATCH", Url = "http://h/x?a=%20b", HttpVersion = "HTTP/1.1", HeadersSize = 40, BodySize = 3,
                Headers = [new("A", "1"), new("A", "2")], QueryString = [new("a", " b")],
                PostData = new HarPostData { MimeType = "application/octet-stream", Text = "AAEC", Encoding = "base64" },
            },
            Response = new HarResponse
            {
                Status = 200, StatusText = "OK", HttpVersion = "HTTP/1.1", HeadersSize = 20, BodySize = 5,
                Content = new HarContent { Size = 11, Compression = 6, MimeType = "text/plain", Text = "h\u00e9llo \"w\"\n" },
            },
            Timings = new HarTimings { Send = 0.5, Wait = 10.25, Receive = 1 },
            Time = 11.75, ServerIPAddress = "127.0.0.1", Connection = "7",
            Pid = 12, Process = "svc", ConnectionId = 7, Incomplete = true, GapBytes = 99, Truncated = false, Malformed = false, Upgraded = true,
        };
        var buffer = new MemoryStream();
        HarWriter.Write(buffer, new HarLog { Creator = new HarCreator { Name = "t", Version = "1" }, Entries = [entry] });
        var back = Assert.Single(HarReader.Read(new MemoryStream(buffer.ToArray())).Entries);
        Assert.Equal(entry.StartedDateTime, back.StartedDateTime);
        Assert.Equal(entry.Request.Headers, back.Request.Headers);
        Assert.Equal(entry.Request.QueryString, back.Request.QueryString);
        Assert.Equal("base64", back.Request.PostData!.Encoding);
        Assert.Equal(entry.Response.Content.Text, back.Response.Content.Text);
        Assert.Equal(6, back.Response.Content.Compression);
        Assert.Equal((12, "svc", 7UL, true, 99L, false, false, true), (back.Pid!.Value, back.Process, back.ConnectionId!.Value, back.Incomplete!.Value, back.GapBytes!.Value, back.Truncated!.Value, back.Malformed!.Value, back.Upgraded!.Value));
        Assert.Equal((0.5, 10.25, 1.0, -1.0), (back.Timings.Send, back.Timings.Wait, back.Timings.Receive, back.Timings.Connect));
    }

    [Fact]
    public void Reads_what_other_exporters_write_where_they_write_it()
    {
        const string json = """
        {"log":{"entries":[
          {"startedDateTime":"2024-01-01T00:00:00Z","_connectionId":"pool-3","_incomplete":1,
           "request":{"method":"GET","url":"http://x/"},"response":{"status":0,"_error":"net::ERR_ABORTED","_truncated":true}},
          {"_connectionId":"12","connection":"c","_incomplete":false,
           "request":{"method":"GET","url":"http://x/"},"response":{"status":200,"content":{"size":3,"_truncated":true}}}]}}
        """;
        var entries = HarReader.Read(new MemoryStream(Encoding.UTF8.GetBytes(json))).Entries;
        var (aborted, truncated) = (entries[0], entries[1]);
        Assert.Equal((null, "pool-3"), (aborted.ConnectionId, aborted.Connection)); // text id: kept as the connection, not refused
        Assert.Equal((true, true), (aborted.Incomplete, aborted.Truncated)); // numeric flag; flag on the response
        Assert.Equal("net::ERR_ABORTED", aborted.Response.Error);
        Assert.Equal(-1, aborted.Response.Content.Size); // no content object: size unknown, not an empty body
        Assert.Equal((12UL, "c"), (truncated.ConnectionId, truncated.Connection));
        Assert.Equal((false, true), (truncated.Incomplete, truncated.Truncated)); // flag on the content
        Assert.Equal(3, truncated.Response.Content.Size);
        Assert.Null(truncated.Response.Error);
    }

    /// <summary>Issue 10, item 6: before, these reached replay as they were (a "time" of 1e16 overflowed its latency histogram) or refused the whole file (1e400).</summary>
    [Fact]
    public void Absurd_numbers_are_read_as_unknown_and_the_entry_is_kept()
    {
        const string json = """
        {"log":{"entries":[
          {"startedDateTime":"9999-12-31T23:59:59Z","time":1e16,"_pid":-5,"_gapBytes":1e400,
           "request":{"method":"GET","url":"http://x/","headersSize":"NaN","bodySize":-7},
           "response":{"status":70000,"headersSize":1.5,"bodySize":1e300,"content":{"size":-1e16,"compression":"Infinity"}},
           "timings":{"blocked":-2,"dns":1e308,"connect":"NaN","send":-0.5,"wait":1e16,"receive":12.5,"ssl":-1}}]}}
        """;
        var e = Assert.Single(HarEntryStreamReader.ReadEntries(new MemoryStream(Encoding.UTF8.GetBytes(json)), "x.har", unreadableDatesAreMissing: true));
        Assert.Equal(default, e.StartedDateTime);
        Assert.Equal(0, e.Time);
        Assert.Null(e.Pid);
        Assert.Null(e.GapBytes);
        Assert.Equal((-1L, -1L), (e.Request.HeadersSize, e.Request.BodySize));
        Assert.Equal(0, e.Response.Status);
        Assert.Equal((-1L, -1L, -1L), (e.Response.HeadersSize, e.Response.BodySize, e.Response.Content.Size)); // -1: unknown, not an empty body
        Assert.Null(e.Response.Content.Compression);
        Assert.Equal((-1.0, -1.0, -1.0, -1.0), (e.Timings.Blocked, e.Timings.Dns, e.Timings.Connect, e.Timings.Ssl));
        Assert.Equal((0.0, 0.0, 12.5), (e.Timings.Send, e.Timings.Wait, e.Timings.Receive));

        var error = Assert.Throws<CaptureFormatException>(() => HarReader.Read(new MemoryStream(Encoding.UTF8.GetBytes(json)), "x.har"));
        Assert.Equal("x.har is not a valid HAR file: '9999-12-31T23:59:59Z' in startedDateTime is not a date from 1970 to 2199.", error.Message);
    }

    [Theory]
    [InlineData("not json at all", "invalid JSON")]
    [InlineData("{\"log\":{}}", "no log.entries")]
    [InlineData("[1,2]", "no log.entries")]
    [InlineData("{\"log\":{\"entries\":[{\"startedDateTime\":\"yesterday\"}]}}", "not a date")]
    public void Files_that_are_not_HAR_are_refused_with_one_sentence(string content, string expected)
    {
        var error = Assert.Throws<CaptureFormatException>(() => HarReader.Read(new MemoryStream(Encoding.UTF8.GetBytes(content)), "x.har"));
        Assert.Contains(expected, error.Message);
        Assert.StartsWith("x.har ", error.Message);
        Assert.EndsWith(".", error.Message);
    }
}

public class HarReaderFuzzTests
{
    [Fact]
    public void Mangled_har_files_are_read_or_refused_with_a_format_error_never_anything_else()
    {
        var entry = new HarEntry
        {
            Request = new HarRequest { Method = "GET", Url = "http://x/", Headers = [new("A", "1")], QueryString = [new("q", "1")] },
            Response = new HarResponse { Status = 200, Content = new HarContent { Size = 2, MimeType = "text/plain", Text = "ok" } },
        };
        var buffer = new MemoryStream();
        HarWriter.Write(buffer, new HarLog { Creator = new HarCreator { Name = "t", Version = "1" }, Entries = [entry, entry] });
        byte[] valid = buffer.ToArray();
        var random = new Random(3);
        byte[] alphabet = Encoding.ASCII.GetBytes("{}[]\":,0123456789.-etrufalsn ");
        for (int round = 0; round < 2000; round++)
        {
            byte[] mangled = (byte[])valid.Clone();
            for (int i = random.Next(1, 4); i > 0; i--)
                mangled[random.Next(mangled.Length)] = alphabet[random.Next(alphabet.Length)];
            try
            {
                HarReader.Read(new MemoryStream(mangled));
            }
            catch (CaptureFormatException)
            {
            }
            try
            {
                HarEntryStreamReader.ReadEntries(new MemoryStream(mangled)).ToList();
            }
            catch (CaptureFormatException)
            {
            }
        }
    }
}

public class HarValidatorToolTests
{
    [Fact]
    public void The_validator_really_rejects_a_broken_har()
    {
        string path = Path.Combine(Path.GetTempPath(), $"broken-{Guid.NewGuid():N}.har");
        File.WriteAllText(path, "{\"log\":{\"version\":\"1.2\",\"creator\":{\"name\":\"x\",\"version\":\"1\"},\"entries\":[{\"startedDateTime\":\"now\"}]}}");
        try
        {
            string? problem = HarValidatorTool.Validate(path);
            Assert.NotNull(problem);
            Assert.Contains("request", problem);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
