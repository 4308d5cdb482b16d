using System.Text;
using Capture.Replay.Input;

namespace Capture.Replay.Tests;

/// <summary>
/// Issue 10, item 6 (input side): numbers from a HAR reach the plan only inside their ranges. Before, a
/// "time" of 1e16 became the entry's recorded latency and dates in year 1 and 9999 spread the plan over
/// 10,000 years, which the pacing then multiplied.
/// </summary>
public class HarPlanReaderRangeTests
{
    [Fact]
    public void Absurd_times_and_dates_are_unknown_and_every_entry_is_kept_in_place()
    {
        const string json = """
        {"log":{"entries":[
          {"startedDateTime":"2024-05-01T10:00:00Z","time":12.5,"request":{"method":"GET","url":"http://h/a"},"response":{"status":200}},
          {"startedDateTime":"0001-01-01T00:00:00Z","time":1e16,"request":{"method":"GET","url":"http://h/b"},"response":{"status":200}},
          {"startedDateTime":"9999-12-31T23:59:59Z","time":"NaN","request":{"method":"GET","url":"http://h/c"},"response":{"status":1e9}},
          {"startedDateTime":"2024-05-01T10:00:01Z","time":1e400,"request":{"method":"GET","url":"http://h/d"},"response":{"status":204}}]}}
        """;
        var plan = HarPlanReader.Read(new MemoryStream(Encoding.UTF8.GetBytes(json)), "t.har");

        Assert.Equal(["/a", "/b", "/c", "/d"], plan.Requests.Select(r => r.PathAndQuery));
        Assert.Equal([12.5, null, null, null], plan.Requests.Select(r => r.RecordedMilliseconds));
        Assert.Equal(TimeSpan.FromSeconds(1), plan.RecordedSpan);
        Assert.True(plan.Requests[2].Incomplete); // status 1e9 is no status: nothing recorded to compare with
        Assert.False(plan.Requests[3].Incomplete);
    }
}
