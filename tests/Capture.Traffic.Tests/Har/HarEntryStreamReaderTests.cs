using Capture.Format;
using System.Text;
using Capture.Traffic.Har;

namespace Capture.Traffic.Tests.Har;

public class HarEntryStreamReaderTests
{
    /// <summary>Hands out at most a few bytes per read, as a pipe or a slow disk may.</summary>
    private sealed class TrickleStream(byte[] data, int maxRead) : MemoryStream(data)
    {
        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, maxRead));
    }

    private static byte[] SampleHar(int entries, int bodyBytes)
    {
        var log = new HarLog { Creator = new HarCreator { Name = "t", Version = "1" } };
        for (int i = 0; i < entries; i++)
        {
            log.Entries.Add(new HarEntry
            {
                StartedDateTime = DateTimeOffset.UnixEpoch.AddSeconds(i),
                Request = new HarRequest { Method = "GET", Url = $"http://h/{i}", Headers = [new("N", i.ToString())] },
                Response = new HarResponse { Status = 200, Content = new HarContent { Size = bodyBytes, MimeType = "text/plain", Text = new string('x', bodyBytes) + i } },
                Pid = i,
            });
        }
        var buffer = new MemoryStream();
        HarWriter.Write(buffer, log);
        return buffer.ToArray();
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(100_000)]
    public void Streams_the_same_entries_as_the_whole_file_reader_whatever_the_read_sizes(int maxRead)
    {
        byte[] har = SampleHar(300, 500);
        var whole = HarReader.Read(new MemoryStream(har)).Entries;
        var streamed = HarEntryStreamReader.ReadEntries(new TrickleStream(har, maxRead)).ToList();
        Assert.Equal(whole.Select(e => (e.Request.Url, e.Pid, e.Response.Content.Text, e.StartedDateTime)),
                     streamed.Select(e => (e.Request.Url, e.Pid, e.Response.Content.Text, e.StartedDateTime)));
    }

    [Fact]
    public void An_entry_bigger_than_the_read_buffer_is_read_whole()
    {
        byte[] har = SampleHar(3, 300_000);
        var streamed = HarEntryStreamReader.ReadEntries(new MemoryStream(har)).ToList();
        Assert.Equal(3, streamed.Count);
        Assert.Equal(300_001, streamed[2].Response.Content.Text!.Length);
    }

    [Fact]
    public void Entries_before_creator_and_unknown_fields_anywhere_are_fine()
    {
        string json = """{"x":[1,{"y":2}],"log":{"entries":[{"_junk":{"a":[1,2]},"request":{"method":"PUT","url":"http://a/"},"startedDateTime":"2024-01-01T00:00:00Z"},3],"creator":{"name":"n","version":"1"},"pages":[]},"z":null}""";
        var e = Assert.Single(HarEntryStreamReader.ReadEntries(new MemoryStream(Encoding.UTF8.GetBytes(json))));
        Assert.Equal("PUT", e.Request.Method);
    }

    [Fact]
    public void Unreadable_dates_can_be_read_as_missing()
    {
        string json = """{"log":{"entries":[{"startedDateTime":"soon","request":{"method":"GET","url":"http://a/"}},{"startedDateTime":"2024-01-01T00:00:00Z","request":{"method":"GET","url":"http://a/"}}]}}""";
        var entries = HarEntryStreamReader.ReadEntries(new MemoryStream(Encoding.UTF8.GetBytes(json)), "x.har", unreadableDatesAreMissing: true).ToList();
        Assert.Equal([default, new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero)], entries.Select(e => e.StartedDateTime));
    }

    [Theory]
    [InlineData("", "invalid JSON")]
    [InlineData("{\"log\":{\"entries\":[{\"request\":{}}", "invalid JSON")]
    [InlineData("{\"log\":{}}", "no log.entries")]
    [InlineData("[]", "top level")]
    [InlineData("{\"log\":{\"entries\":[}}", "invalid JSON")]
    [InlineData("{\"log\":{\"entries\":[{\"startedDateTime\":\"soon\"}]}}", "not a date")]
    public void Broken_input_is_one_sentence(string content, string expected)
    {
        var error = Assert.Throws<CaptureFormatException>(() => HarEntryStreamReader.ReadEntries(new MemoryStream(Encoding.UTF8.GetBytes(content)), "x.har").ToList());
        Assert.Contains(expected, error.Message);
        Assert.StartsWith("x.har ", error.Message);
    }
}
