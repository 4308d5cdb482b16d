using System.Text;
using System.Text.Json;
using Capture.Traffic.Json;
using Capture.Traffic.Redaction;

namespace Capture.Traffic.Tests.Redaction;

public class JsonBodyRedactorTests
{
    private static readonly byte[] Key = Encoding.ASCII.GetBytes("0123456789abcdef-test-key");
    private static readonly RedactionTokens Tokens = new(Key);

    private static JsonBodyRedactor Redactor(string[] names, params string[] paths) =>
        new(new HashSet<string>(names, StringComparer.OrdinalIgnoreCase), paths.Select(JsonPathPattern.Parse).ToList(), Tokens);

    private static (string Text, JsonRedaction Result) Redact(JsonBodyRedactor redactor, string json)
    {
        var result = redactor.Redact(Encoding.UTF8.GetBytes(json));
        return (result.Redacted is { } r ? Encoding.UTF8.GetString(r) : json, result);
    }

    private static string Token(string secret) => Tokens.For(secret);

    [Fact]
    public void A_nested_path_redacts_exactly_that_value_and_keeps_valid_json()
    {
        string json = """{"user":{"name":"ada","credentials":{"password":"hunter2","hint":"cat"}},"password":"top-level stays"}""";
        var (text, result) = Redact(Redactor([], "$.user.credentials.password"), json);
        using var doc = JsonDocument.Parse(text);
        Assert.Equal(Token("hunter2"), doc.RootElement.GetProperty("user").GetProperty("credentials").GetProperty("password").GetString());
        Assert.Equal("cat", doc.RootElement.GetProperty("user").GetProperty("credentials").GetProperty("hint").GetString());
        Assert.Equal("top-level stays", doc.RootElement.GetProperty("password").GetString());
        Assert.Equal(1, result.Values);
        Assert.Null(result.UnparsedFrom);
    }

    [Fact]
    public void Array_wildcards_indexes_and_descendants_select_like_ignore_json()
    {
        string json = """{"items":[{"card":"4111","id":1},{"card":"5500","id":2}],"tokens":["a","b","c"],"deep":{"x":[{"token":"t1"}]},"token":"t2"}""";
        var (text, _) = Redact(Redactor([], "$.items[*].card", "$.tokens[1]", "$..token"), json);
        using var doc = JsonDocument.Parse(text);
        var root = doc.RootElement;
        Assert.Equal([Token("4111"), Token("5500")], root.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("card").GetString()));
        Assert.Equal([1, 2], root.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetInt32()));
        Assert.Equal(["a", Token("b"), "c"], root.GetProperty("tokens").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal(Token("t1"), root.GetProperty("deep").GetProperty("x")[0].GetProperty("token").GetString());
        Assert.Equal(Token("t2"), root.GetProperty("token").GetString());
    }

    [Fact]
    public void A_redacted_name_matches_keys_at_any_depth_whatever_their_case_and_escapes()
    {
        string json = """{"Password":"p1","a":{"b":[{"password":"p2"},{"pass\u0077ord":"p3"}]},"other":"keep"}""";
        var (text, result) = Redact(Redactor(["password"]), json);
        Assert.DoesNotContain("p1", text);
        Assert.DoesNotContain("p2", text);
        Assert.DoesNotContain("p3", text);
        Assert.Contains("\"other\":\"keep\"", text);
        Assert.Equal(3, result.Values);
        using var doc = JsonDocument.Parse(text);
        Assert.Equal(Token("p2"), doc.RootElement.GetProperty("a").GetProperty("b")[0].GetProperty("password").GetString());
    }

    [Fact]
    public void Numbers_booleans_objects_and_arrays_become_token_strings_and_null_stays_null()
    {
        string json = """{"secret":{"n":1,"list":[1,2]},"pin":1234,"flag":true,"codes":[7,8],"none":null}""";
        var (text, result) = Redact(Redactor(["secret", "pin", "flag", "codes", "none"]), json);
        using var doc = JsonDocument.Parse(text);
        var root = doc.RootElement;
        Assert.Equal(Token("""{"n":1,"list":[1,2]}"""), root.GetProperty("secret").GetString());
        Assert.Equal(Token("1234"), root.GetProperty("pin").GetString());
        Assert.Equal(Token("true"), root.GetProperty("flag").GetString());
        Assert.Equal(Token("[7,8]"), root.GetProperty("codes").GetString());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("none").ValueKind);
        Assert.Equal(4, result.Values);
    }

    [Fact]
    public void Identical_secrets_give_identical_tokens_and_different_ones_differ()
    {
        string json = """[{"password":"same"},{"password":"same"},{"password":"other"},{"password":"s\u0061me"}]""";
        var (text, _) = Redact(Redactor(["password"]), json);
        using var doc = JsonDocument.Parse(text);
        var tokens = doc.RootElement.EnumerateArray().Select(e => e.GetProperty("password").GetString()).ToList();
        Assert.Equal(tokens[0], tokens[1]);
        Assert.Equal(tokens[0], tokens[3]); // the unescaped text is what counts
        Assert.NotEqual(tokens[0], tokens[2]);
        Assert.Matches("^redacted:[0-9a-f]{16}$", tokens[0]);
        // The same secret in a header gives the same token as in a JSON body.
        Assert.Equal(Tokens.For("same"), tokens[0]);
    }

    [Fact]
    public void The_same_key_gives_the_same_tokens_in_every_run_and_random_keys_do_not()
    {
        Assert.Equal(new RedactionTokens(Key).For("hunter2"), new RedactionTokens([.. Key]).For("hunter2"));
        Assert.NotEqual(RedactionTokens.WithRandomKey().For("hunter2"), RedactionTokens.WithRandomKey().For("hunter2"));
        Assert.Throws<ArgumentException>(() => new RedactionTokens(new byte[15]));
    }

    [Fact]
    public void A_body_with_nothing_to_redact_is_not_copied()
    {
        var result = Redactor(["password"], "$.x").Redact("""{"a":[1,2,{"b":"c"}]}"""u8);
        Assert.Null(result.Redacted);
        Assert.Equal(0, result.Values);
        Assert.Null(result.UnparsedFrom);
    }

    [Fact]
    public void Invalid_json_is_left_as_it_is_after_the_error_and_says_where_it_broke()
    {
        string json = """{"password":"p1","a":tru, "password":"p2"}""";
        var (text, result) = Redact(Redactor(["password"]), json);
        Assert.InRange(result.UnparsedFrom!.Value, json.IndexOf("\"a\"", StringComparison.Ordinal), json.IndexOf("tru", StringComparison.Ordinal));
        Assert.DoesNotContain("p1", text);
        Assert.Equal(1, result.Values);
        Assert.EndsWith("""tru, "password":"p2"}""", text); // untouched past the error, and flagged
    }

    [Theory]
    [InlineData("""{"a":1,"password":"hunte""")]
    [InlineData("""{"a":1,"password":  """)]
    [InlineData("""{"a":1,"password":{"old":"hunter1","new":"hunte""")]
    [InlineData("""{"list":[{"password":["hunter2",""")]
    public void A_secret_cut_short_at_the_end_is_hidden_to_the_end(string json)
    {
        var (text, result) = Redact(Redactor(["password"]), json);
        Assert.NotNull(result.UnparsedFrom);
        Assert.DoesNotContain("hunte", text);
        Assert.DoesNotContain("hunter1", text);
    }

    [Fact]
    public void A_body_cut_after_its_secrets_keeps_them_redacted_and_is_flagged()
    {
        var (text, result) = Redact(Redactor(["password"]), """{"password":"hunter2","more":[1,2""");
        Assert.Equal($$"""{"password":"{{Token("hunter2")}}","more":[1,2""", text);
        Assert.NotNull(result.UnparsedFrom);
    }

    [Fact]
    public void Several_top_level_values_are_each_read_from_the_root()
    {
        var (text, result) = Redact(Redactor([], "$.token"), "{\"token\":\"a\"}\n{\"token\":\"b\"}\n");
        Assert.Equal($$"""{"token":"{{Token("a")}}"}""" + "\n" + $$"""{"token":"{{Token("b")}}"}""" + "\n", text);
        Assert.Null(result.UnparsedFrom);
    }

    [Fact]
    public void Hostile_nesting_is_flagged_not_a_crash()
    {
        string json = "{\"password\":\"p\",\"x\":" + new string('[', 5000) + new string(']', 5000) + "}";
        var (text, result) = Redact(Redactor(["password"]), json);
        Assert.NotNull(result.UnparsedFrom);
        Assert.DoesNotContain("\"p\"", text);
    }

    [Fact]
    public void A_byte_order_mark_is_kept_and_the_json_after_it_redacted()
    {
        byte[] json = [0xEF, 0xBB, 0xBF, .. """{"password":"hunter2"}"""u8];
        var result = Redactor(["password"]).Redact(json);
        Assert.Equal([0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes($$"""{"password":"{{Token("hunter2")}}"}""")], result.Redacted);
    }
}

public class KeyPrefilterTests
{
    private static readonly RedactionTokens Tokens = new(Encoding.ASCII.GetBytes("0123456789abcdef-test-key"));

    [Theory]
    [InlineData(4070)]
    [InlineData(4085)]
    [InlineData(4090)]
    [InlineData(4094)]
    [InlineData(8180)]
    public void A_key_anywhere_in_a_long_body_is_found_even_across_the_scan_chunks(int padding)
    {
        string json = "{\"pad\":\"" + new string('x', padding) + "\",\"PassWord\":\"hunter2\"}";
        var redactor = new JsonBodyRedactor(new HashSet<string>(["password"], StringComparer.OrdinalIgnoreCase), [], Tokens);
        var result = redactor.Redact(Encoding.UTF8.GetBytes(json));
        Assert.NotNull(result.Redacted);
        Assert.DoesNotContain("hunter2", Encoding.UTF8.GetString(result.Redacted));
    }

    [Fact]
    public void Bodies_without_any_redacted_key_are_not_parsed_and_escaped_keys_still_are()
    {
        var redactor = new JsonBodyRedactor(new HashSet<string>(["password"], StringComparer.OrdinalIgnoreCase), [JsonPathPattern.Parse("$..token")], Tokens);
        // Broken JSON without the keys: nothing to redact, so it is not even read (and not flagged).
        Assert.Equal(default, redactor.Redact("{\"a\": broken"u8));
        // An escaped letter can spell the key: such bodies are read.
        var escaped = redactor.Redact("{\"to\\u006Ben\":\"t\"}"u8);
        Assert.Equal(1, escaped.Values);
        // A path ending in [*] can end anywhere: every body is read.
        var any = new JsonBodyRedactor(new HashSet<string>(StringComparer.OrdinalIgnoreCase), [JsonPathPattern.Parse("$.ids[*]")], Tokens);
        Assert.Equal(2, any.Redact("{\"ids\":[1,2]}"u8).Values);
    }
}
