using System.Text.Json;
using Capture.Traffic.Tests.Har;

namespace Capture.EndToEnd.Tests.Cli;

/// <summary>
/// Body redaction through the real CLI on a real recording (fixtures/recorded/demo-kestrel.tcap: 8 POST /api/echo
/// with JSON bodies {"sku":"SKU-…","quantity":n} echoed back, order pages whose items carry "customer" values).
/// </summary>
public sealed class HarRedactionCliTests : IDisposable
{
    private static string Fixture => Path.Combine(CaptureCli.RepositoryRoot, "fixtures", "recorded", "demo-kestrel.tcap");
    private readonly string _directory = Directory.CreateTempSubdirectory("capture-redact-e2e-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private async Task<string> Har(params string[] options)
    {
        string output = Path.Combine(_directory, $"{Guid.NewGuid():N}.har");
        var result = await CaptureCli.RunAsync(["har", Fixture, "-o", output, .. options]);
        Assert.True(result.ExitCode == 0, result.Stderr);
        HarValidatorTool.AssertValid(output);
        return await File.ReadAllTextAsync(output, TestContext.Current.CancellationToken);
    }

    private static List<JsonElement> Entries(string har) =>
        JsonDocument.Parse(har).RootElement.GetProperty("log").GetProperty("entries").EnumerateArray().ToList();

    private static string? Body(JsonElement entry, bool request) => request
        ? entry.GetProperty("request").TryGetProperty("postData", out var post) ? post.GetProperty("text").GetString() : null
        : entry.GetProperty("response").GetProperty("content").TryGetProperty("text", out var text) ? text.GetString() : null;

    [Fact]
    public async Task No_secret_value_of_a_request_or_response_body_is_left_anywhere_in_the_har()
    {
        string plain = await Har();
        var secrets = new HashSet<string>();
        foreach (var entry in Entries(plain))
            foreach (string? body in new[] { Body(entry, request: true), Body(entry, request: false) })
                if (body is not null && body.StartsWith('{'))
                    Collect(JsonDocument.Parse(body).RootElement, secrets);
        Assert.Contains("SKU-00005", secrets);
        Assert.Contains("customer-16", secrets);

        string redacted = await Har("--redact-name", "sku", "--redact-json", "$..customer");
        Assert.All(secrets, secret => Assert.DoesNotContain(secret, redacted));

        // The echo route answers with the request body: after redaction both still hold the same text, token for token.
        var posts = Entries(redacted).Where(e => e.GetProperty("request").GetProperty("method").GetString() == "POST").ToList();
        Assert.Equal(8, posts.Count);
        Assert.All(posts, p =>
        {
            Assert.Matches("""^\{"sku":"redacted:[0-9a-f]{16}","quantity":\d+\}$""", Body(p, request: true));
            Assert.Equal(Body(p, request: true), Body(p, request: false));
        });
        // Other values are untouched and sizes still describe the recorded bodies.
        Assert.Contains(Entries(redacted), e => Body(e, request: false)?.Contains("\"currency\":\"EUR\"") == true);
        Assert.Equal(Entries(plain).Select(e => e.GetProperty("response").GetProperty("content").GetProperty("size").GetInt64()),
                     Entries(redacted).Select(e => e.GetProperty("response").GetProperty("content").GetProperty("size").GetInt64()));
    }

    private static void Collect(JsonElement element, HashSet<string> secrets)
    {
        if (element.ValueKind == JsonValueKind.Object)
            foreach (var property in element.EnumerateObject())
            {
                if (property.Name is "sku" or "customer" && property.Value.ValueKind == JsonValueKind.String)
                    secrets.Add(property.Value.GetString()!);
                Collect(property.Value, secrets);
            }
        else if (element.ValueKind == JsonValueKind.Array)
            foreach (var item in element.EnumerateArray())
                Collect(item, secrets);
    }

    [Fact]
    public async Task A_key_file_gives_the_same_tokens_in_two_runs_and_the_default_key_does_not()
    {
        string key = Path.Combine(_directory, "redact.key");
        await File.WriteAllBytesAsync(key, System.Security.Cryptography.RandomNumberGenerator.GetBytes(32), TestContext.Current.CancellationToken);
        if (OperatingSystem.IsLinux())
            File.SetUnixFileMode(key, UnixFileMode.UserRead | UnixFileMode.UserWrite);

        string first = await Har("--redact-name", "sku", "--redact-key", key);
        string second = await Har("--redact-name", "sku", "--redact-key", key);
        Assert.Equal(first, second);
        Assert.Contains(Entries(first), e => Body(e, request: true)?.StartsWith("{\"sku\":\"redacted:") == true);

        string unkeyed = await Har("--redact-name", "sku");
        Assert.NotEqual(first, unkeyed);
        Assert.NotEqual(Body(Entries(unkeyed).First(e => Body(e, true) is not null), true), Body(Entries(first).First(e => Body(e, true) is not null), true));
    }

    [Theory]
    [InlineData("missing", 3, "Cannot read the redaction key")]
    [InlineData("short", 3, "holds 5 bytes")]
    [InlineData("path", 2, "--redact-json: JSON path 'items' must start with '$'")]
    public async Task Bad_redaction_options_are_one_sentence_and_their_exit_code(string problem, int exitCode, string message)
    {
        string key = Path.Combine(_directory, "short.key");
        await File.WriteAllTextAsync(key, "12345", TestContext.Current.CancellationToken);
        string[] options = problem switch
        {
            "missing" => ["--redact-key", Path.Combine(_directory, "nope.key")],
            "short" => ["--redact-key", key],
            _ => ["--redact-json", "items"],
        };
        var result = await CaptureCli.RunAsync(["har", Fixture, "-o", Path.Combine(_directory, "x.har"), .. options]);
        Assert.Equal(exitCode, result.ExitCode);
        Assert.Contains(message, result.Stderr);
        Assert.Single(result.Stderr.Trim().Split('\n'));
        Assert.False(File.Exists(Path.Combine(_directory, "x.har")));
    }

    [Fact]
    public async Task Replay_refuses_redaction_options_without_a_har_out_to_apply_them_to()
    {
        var result = await CaptureCli.RunAsync("replay", Fixture, "--target", "http://127.0.0.1:9", "--redact-name", "sku");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("apply to --har-out", result.Stderr);
    }
}
