using System.Text.Json;
using Capture.Traffic.Json;
using Capture.Replay.Comparison;

namespace Capture.Replay.Tests;

public class JsonComparisonTests
{
    static List<string> Diff(string expected, string actual, params string[] ignore)
    {
        using var e = JsonDocument.Parse(expected);
        using var a = JsonDocument.Parse(actual);
        return JsonBodyComparer.Compare(e.RootElement, a.RootElement, ignore.Select(JsonPathPattern.Parse).ToList());
    }

    [Fact]
    public void Key_order_does_not_matter_but_values_and_array_order_do()
    {
        Assert.Empty(Diff("""{"a":1,"b":{"c":[1,2]}}""", """{"b":{"c":[1,2]},"a":1.0}"""));
        Assert.Equal(["$.b.c[0]: expected 1, got 2", "$.b.c[1]: expected 2, got 1"], Diff("""{"b":{"c":[1,2]}}""", """{"b":{"c":[2,1]}}"""));
        Assert.Equal(["$.a: missing (expected 1)", "$.z: unexpected true"], Diff("""{"a":1}""", """{"z":true}"""));
        Assert.Equal(["$.s: expected \"x\", got 3"], Diff("""{"s":"x"}""", """{"s":3}"""));
    }

    [Fact]
    public void Ignore_a_dotted_path()
    {
        Assert.Empty(Diff("""{"meta":{"at":1,"v":2}}""", """{"meta":{"at":9,"v":2}}""", "$.meta.at"));
        Assert.Single(Diff("""{"meta":{"at":1,"v":2}}""", """{"meta":{"at":9,"v":3}}""", "$.meta.at"));
    }

    [Fact]
    public void Ignore_a_field_in_every_array_element()
    {
        string expected = """{"items":[{"id":"a","n":1},{"id":"b","n":2}]}""";
        Assert.Empty(Diff(expected, """{"items":[{"id":"x","n":1},{"id":"y","n":2}]}""", "$.items[*].id"));
        Assert.Equal(["$.items[1].n: expected 2, got 5"], Diff(expected, """{"items":[{"id":"x","n":1},{"id":"y","n":5}]}""", "$.items[*].id"));
        // An index selects only that element.
        Assert.Single(Diff(expected, """{"items":[{"id":"x","n":1},{"id":"y","n":2}]}""", "$.items[0].id"));
    }

    [Fact]
    public void Ignore_a_name_at_any_depth_including_missing_fields()
    {
        Assert.Empty(Diff("""{"timestamp":1,"a":{"b":[{"timestamp":2}]}}""", """{"timestamp":5,"a":{"b":[{}]}}""", "$..timestamp"));
        Assert.Single(Diff("""{"timestamp":1,"a":{"x":1}}""", """{"timestamp":5,"a":{"x":2}}""", "$..timestamp"));
    }

    [Fact]
    public void Bracketed_names_and_wildcards_parse()
    {
        Assert.Empty(Diff("""{"odd key":1,"k":2}""", """{"odd key":7,"k":2}""", "$['odd key']"));
        Assert.Empty(Diff("""{"a":{"x":1,"y":2}}""", """{"a":{"x":3,"y":4}}""", "$.a.*"));
        Assert.Empty(Diff("""[[1,2],[3]]""", """[[9,2],[3]]""", "$..[0][0]"));
    }

    [Theory]
    [InlineData("a.b")]
    [InlineData("$.a[")]
    [InlineData("$.a[?(@.x)]")]
    [InlineData("$.")]
    public void Invalid_patterns_are_rejected(string pattern) =>
        Assert.Throws<FormatException>(() => JsonPathPattern.Parse(pattern));
}
