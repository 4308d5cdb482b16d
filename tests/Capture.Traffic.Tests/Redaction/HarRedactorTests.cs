using System.Text;
using Capture.Traffic.Har;
using Capture.Traffic.Json;
using Capture.Traffic.Redaction;

namespace Capture.Traffic.Tests.Redaction;

public class HarRedactorTests
{
    private static readonly byte[] Key = Encoding.ASCII.GetBytes("a key of at least sixteen bytes");

    private static HarRedactor Redactor(string[] names, params string[] paths) =>
        new(new RedactionRules { Names = names, JsonPaths = paths.Select(JsonPathPattern.Parse).ToList(), Key = Key });

    private static string Token(string secret) => new RedactionTokens(Key).For(secret);

    private static HarEntry Entry(string requestMime, string? requestText, string responseMime, string? responseText, string? responseEncoding = null) => new()
    {
        Request = new HarRequest
        {
            Method = "POST",
            Url = "http://api.test/login?password=q1&x=1",
            QueryString = [new("password", "q1"), new("x", "1")],
            Headers = [new("Authorization", "Bearer abc"), new("Content-Type", requestMime)],
            PostData = requestText is null ? null : new HarPostData { MimeType = requestMime, Text = requestText },
        },
        Response = new HarResponse
        {
            Status = 200,
            Content = new HarContent { MimeType = responseMime, Text = responseText, Encoding = responseEncoding, Size = responseText?.Length ?? 0 },
        },
    };

    [Fact]
    public void Json_bodies_of_requests_and_responses_are_redacted_by_name_and_path()
    {
        var entry = Entry("application/json", """{"user":"bob","password":"hunter2"}""",
            "application/problem+json; charset=utf-8", """{"session":{"token":"s3cr3t","expires":60},"user":"bob"}""");
        var redactor = Redactor(["password"], "$.session.token");
        redactor.Redact(entry);
        Assert.Equal($$"""{"user":"bob","password":"{{Token("hunter2")}}"}""", entry.Request.PostData!.Text);
        Assert.Equal($$"""{"session":{"token":"{{Token("s3cr3t")}}","expires":60},"user":"bob"}""", entry.Response.Content.Text);
        // Sizes keep describing the recorded body.
        Assert.Equal("""{"session":{"token":"s3cr3t","expires":60},"user":"bob"}""".Length, entry.Response.Content.Size);
        // The same secret in the query, the header defaults, and the body all become tokens.
        Assert.Equal(Token("q1"), entry.Request.QueryString[0].Value);
        Assert.Equal(Token("Bearer abc"), entry.Request.Headers[0].Value);
        Assert.Equal(4, redactor.ValuesRedacted); // header, query parameter (its copy in the url is not counted twice), two body values
        Assert.Equal(0, redactor.UnparsedJsonBodies);
    }

    [Fact]
    public void Form_bodies_are_redacted_in_params_and_text_even_without_params_and_in_responses()
    {
        var entry = Entry("application/x-www-form-urlencoded", "user=bob&password=s%26cret+x&keep=1",
            "application/x-www-form-urlencoded", "access_token=tok123&token_type=bearer");
        entry.Request.PostData!.Params = [new HarParam { Name = "user", Value = "bob" }, new HarParam { Name = "password", Value = "s&cret x" }, new HarParam { Name = "keep", Value = "1" }];
        Redactor(["password", "access_token"]).Redact(entry);
        var post = entry.Request.PostData;
        Assert.Equal(Token("s&cret x"), post.Params[1].Value);
        Assert.Equal("user=bob&password=" + Uri.EscapeDataString(Token("s&cret x")) + "&keep=1", post.Text);
        Assert.Equal("access_token=" + Uri.EscapeDataString(Token("tok123")) + "&token_type=bearer", entry.Response.Content.Text);

        // A HAR from elsewhere (or replay's) may carry the text only.
        var textOnly = Entry("application/x-www-form-urlencoded", "password=hunter2", "text/plain", "ok");
        Redactor(["password"]).Redact(textOnly);
        Assert.Equal("password=" + Uri.EscapeDataString(Token("hunter2")), textOnly.Request.PostData!.Text);
    }

    [Fact]
    public void Json_labelled_otherwise_is_recognised_by_its_first_character()
    {
        var entry = Entry("text/plain", """  {"password":"hunter2"}""", "x-unknown", """[{"password":"hunter3"}]""");
        Redactor(["password"]).Redact(entry);
        Assert.DoesNotContain("hunter2", entry.Request.PostData!.Text);
        Assert.DoesNotContain("hunter3", entry.Response.Content.Text);
    }

    [Fact]
    public void Base64_json_bodies_are_decoded_redacted_and_encoded_again()
    {
        byte[] json = [.. """{"password":"hunter2","note":"""u8, (byte)'"', 0xFF, (byte)'"', (byte)'}'];
        var entry = Entry("application/json", null, "application/json", Convert.ToBase64String(json), "base64");
        var redactor = Redactor(["password"]);
        redactor.Redact(entry);
        Assert.Equal("base64", entry.Response.Content.Encoding);
        string decoded = Encoding.Latin1.GetString(Convert.FromBase64String(entry.Response.Content.Text!));
        Assert.DoesNotContain("hunter2", decoded);
        Assert.Contains(Token("hunter2"), decoded);
    }

    [Fact]
    public void Invalid_json_is_counted_and_its_comment_says_where_redaction_stopped()
    {
        string broken = """{"id":1,"oops" "password":"hunter2"}""";
        var entry = Entry("application/json", broken, "application/json", """{"fine":true}""");
        entry.Request.PostData!.Comment = "earlier note";
        var redactor = Redactor(["password"]);
        redactor.Redact(entry);
        Assert.Equal(broken, entry.Request.PostData.Text);
        Assert.Equal(1, redactor.UnparsedJsonBodies);
        Assert.StartsWith("earlier note; redaction: the JSON is not valid from byte ", entry.Request.PostData.Comment);
        Assert.Null(entry.Response.Content.Comment);
    }

    [Fact]
    public void Bodies_that_are_neither_json_nor_forms_are_left_alone()
    {
        var entry = Entry("text/html", "<p>password=hunter2</p>", "image/png", Convert.ToBase64String([1, 2, 3]), "base64");
        var redactor = Redactor(["password"]);
        redactor.Redact(entry);
        Assert.Equal("<p>password=hunter2</p>", entry.Request.PostData!.Text);
        Assert.Equal(0, redactor.UnparsedJsonBodies);
    }
}
