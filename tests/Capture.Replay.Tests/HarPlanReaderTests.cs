using System.Text;
using Capture.Format;
using Capture.Replay.Input;
using Capture.Replay.Tests.Support;

namespace Capture.Replay.Tests;

public class HarPlanReaderTests
{
    static ReplayPlan Read(string json) => HarPlanReader.Read(new MemoryStream(Encoding.UTF8.GetBytes(json)), "t.har");

    [Fact]
    public void Reads_bodies_base64_aware_and_keeps_connection_and_flags()
    {
        byte[] binary = [0, 1, 2, 255, 254, 10, 13];
        var plan = new HarBuilder()
            .Add("post", "http://prod.example:8080/upload?x=1", body: binary, base64Body: true, connection: "c1", atMs: 10, truncated: true)
            .Add("GET", "http://prod.example:8080/a", responseText: "hello", connection: "c1", atMs: 20, incomplete: true)
            .ToPlan();

        Assert.Equal(2, plan.Requests.Count);
        var upload = plan.Requests[0];
        Assert.Equal("POST", upload.Method);
        Assert.Equal(binary, upload.Body);
        Assert.Equal("/upload?x=1", upload.PathAndQuery);
        Assert.Equal("prod.example", upload.Host);
        Assert.Equal("c1", upload.ConnectionId);
        Assert.True(upload.Truncated);
        Assert.False(upload.Incomplete);
        Assert.Equal("hello"u8.ToArray(), plan.Requests[1].Response.Body);
        Assert.True(plan.Requests[1].Incomplete);
    }

    [Fact]
    public void Sorts_by_start_time_and_skips_non_http_entries()
    {
        var plan = new HarBuilder()
            .Add("GET", "http://h/second", atMs: 50)
            .Add("GET", "data:text/plain,hi", atMs: 0)
            .Add("GET", "http://h/first", atMs: 10)
            .ToPlan();
        Assert.Equal(["/first", "/second"], plan.Requests.Select(r => r.PathAndQuery));
        Assert.Equal([0, 1], plan.Requests.Select(r => r.Index));
        Assert.Equal(1, plan.SkippedNotHttp);
    }

    [Fact]
    public void Decodes_base64_response_content_and_numeric_connection_ids()
    {
        var plan = Read("""
            {"log":{"version":"1.2","entries":[{"startedDateTime":"2024-01-01T00:00:00Z","time":3,"connection":"42",
              "request":{"method":"GET","url":"https://x/y","headers":[]},
              "response":{"status":200,"headers":[],"content":{"size":3,"mimeType":"application/octet-stream","text":"AQID","encoding":"base64"}}},
             {"startedDateTime":"2024-01-01T00:00:01Z","_connectionId":7,
              "request":{"method":"GET","url":"https://x/z","headers":[]},
              "response":{"status":0,"headers":[],"content":{"size":0}}}]}}
            """);
        Assert.Equal([1, 2, 3], plan.Requests[0].Response.Body);
        Assert.Equal("42", plan.Requests[0].ConnectionId);
        Assert.Equal(3, plan.Requests[0].RecordedMilliseconds);
        Assert.Equal("7", plan.Requests[1].ConnectionId);
        Assert.True(plan.Requests[1].Incomplete); // status 0: no answer was recorded
    }

    [Fact]
    public void Body_not_kept_by_the_exporter_is_null_but_an_empty_body_is_known()
    {
        var plan = Read("""
            {"log":{"entries":[
              {"startedDateTime":"2024-01-01T00:00:00Z","request":{"method":"GET","url":"http://x/big"},"response":{"status":200,"content":{"size":1000}}},
              {"startedDateTime":"2024-01-01T00:00:01Z","request":{"method":"GET","url":"http://x/empty"},"response":{"status":204,"content":{"size":0}}}]}}
            """);
        Assert.Null(plan.Requests[0].Response.Body);
        Assert.Empty(plan.Requests[1].Response.Body!);
    }

    [Fact]
    public void Entries_without_a_start_time_keep_their_place()
    {
        var plan = Read("""
            {"log":{"entries":[
              {"startedDateTime":"2024-01-01T00:00:00Z","request":{"method":"GET","url":"http://x/1"},"response":{"status":200}},
              {"request":{"method":"GET","url":"http://x/2"},"response":{"status":200}},
              {"startedDateTime":"garbage","request":{"method":"GET","url":"http://x/3"},"response":{"status":200}},
              {"startedDateTime":"2024-01-01T00:00:02Z","request":{"method":"GET","url":"http://x/4"},"response":{"status":200}}]}}
            """);
        Assert.Equal(["/1", "/2", "/3", "/4"], plan.Requests.Select(r => r.PathAndQuery));
        Assert.Equal(TimeSpan.FromSeconds(2), plan.RecordedSpan);
    }

    [Fact]
    public void Flags_and_connection_ids_are_found_where_other_exporters_put_them()
    {
        var plan = Read("""
            {"log":{"entries":[
              {"startedDateTime":"2024-01-01T00:00:00Z","_connectionId":"pool-3","request":{"method":"GET","url":"http://x/1"},"response":{"status":200,"_truncated":true,"content":{"size":5}}},
              {"startedDateTime":"2024-01-01T00:00:01Z","request":{"method":"GET","url":"http://x/2"},"response":{"status":200,"content":{"size":5,"_truncated":1}}},
              {"startedDateTime":"2024-01-01T00:00:02Z","_incomplete":1,"request":{"method":"GET","url":"http://x/3"},"response":{"status":200}},
              {"startedDateTime":"2024-01-01T00:00:03Z","request":{"method":"GET","url":"http://x/4"},"response":{"status":200,"_incomplete":true,"content":{"size":0}}},
              {"startedDateTime":"2024-01-01T00:00:04Z","_upgraded":true,"request":{"method":"GET","url":"http://x/ws"},"response":{"status":101}}]}}
            """);
        Assert.Equal(["/1", "/2", "/3", "/4"], plan.Requests.Select(r => r.PathAndQuery));
        Assert.Equal(1, plan.SkippedNotHttp); // the upgraded exchange
        Assert.Equal("pool-3", plan.Requests[0].ConnectionId);
        Assert.Equal([true, true, false, false], plan.Requests.Select(r => r.Truncated));
        Assert.Equal([false, false, true, true], plan.Requests.Select(r => r.Incomplete));
        Assert.Null(plan.Requests[0].RecordedMilliseconds); // no "time" in the file
        Assert.Null(plan.Requests[2].Response.Body); // no content object: the body is unknown, not empty
        Assert.Empty(plan.Requests[3].Response.Body!);
    }

    [Theory]
    [InlineData("{not json")]
    [InlineData("{\"log\":{}}")]
    [InlineData("{\"log\":[]}")]
    [InlineData("[1,2]")]
    [InlineData("{\"log\":{\"entries\":[{\"request\":{\"url\":\"http://x/\"}}]}}")]
    [InlineData("{\"log\":{\"entries\":[{\"request\":{\"method\":\"GET\"}}]}}")]
    [InlineData("{\"log\":{\"entries\":[{\"response\":{\"status\":200}}]}}")]
    [InlineData("{\"log\":{\"entries\":[{\"request\":{\"method\":\"POST\",\"url\":\"http://x/\",\"postData\":{\"text\":\"%%\",\"encoding\":\"base64\"}}}]}}")]
    [InlineData("{\"log\":{\"entries\":[")]
    public void Unreadable_input_is_a_format_error_with_one_sentence(string json)
    {
        var e = Assert.Throws<CaptureFormatException>(() => Read(json));
        Assert.StartsWith("t.har", e.Message);
        Assert.EndsWith(".", e.Message);
    }

    [Fact]
    public void Reads_the_chrome_export_fixture()
    {
        var plan = HarPlanReader.Load(Path.Combine(TestReplay.RepoRoot(), "fixtures", "browser", "chrome-postdata.har"));
        var request = Assert.Single(plan.Requests);
        Assert.Equal("POST", request.Method);
        Assert.Equal("/events", request.PathAndQuery);
        Assert.Equal("105759", request.ConnectionId);
        Assert.Equal(504, request.Body.Length);
        Assert.True(request.Incomplete); // Chrome marked it net::ERR_ABORTED
        Assert.Contains(request.Headers, h => h.Name == ":authority");
    }

    [Theory]
    [InlineData("http://h:1/a/../b?q=%20+x#frag", "/a/../b?q=%20+x")]
    [InlineData("http://h", "/")]
    [InlineData("http://h?x=1", "/?x=1")]
    [InlineData("https://user@[::1]:8443/p", "/p")]
    public void Path_and_query_are_taken_verbatim(string url, string expected) =>
        Assert.Equal(expected, RecordedUrl.PathAndQuery(url));
}
