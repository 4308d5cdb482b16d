using System.Text;
using System.Text.Json.Nodes;
using Capture.Replay.Input;

namespace Capture.Replay.Tests.Support;

/// <summary>Writes small HAR 1.2 documents for tests, so plans go through the real reader.</summary>
public sealed class HarBuilder
{
    readonly JsonArray _entries = [];
    static readonly DateTimeOffset Origin = new(2025, 1, 1, 12, 0, 0, TimeSpan.Zero);

    public HarBuilder Add(string method, string url, int status = 200, string? responseText = null,
        double atMs = 0, string? connection = null, IEnumerable<(string, string)>? headers = null,
        byte[]? body = null, bool base64Body = false, IEnumerable<(string, string)>? responseHeaders = null,
        double timeMs = 5, bool truncated = false, bool incomplete = false, string? mimeType = null,
        string httpVersion = "HTTP/1.1", int? stream = null, byte[]? responseBody = null, int? grpcStatus = null)
    {
        var request = new JsonObject
        {
            ["method"] = method,
            ["url"] = url,
            ["httpVersion"] = httpVersion,
            ["headers"] = Headers(headers),
            ["queryString"] = new JsonArray(),
            ["cookies"] = new JsonArray(),
            ["headersSize"] = -1,
            ["bodySize"] = body?.Length ?? 0,
        };
        if (body is not null)
        {
            var post = new JsonObject { ["mimeType"] = "application/octet-stream" };
            if (base64Body)
            {
                post["text"] = Convert.ToBase64String(body);
                post["encoding"] = "base64";
            }
            else
                post["text"] = Encoding.UTF8.GetString(body);
            request["postData"] = post;
        }
        var content = new JsonObject { ["size"] = responseText is null ? 0 : Encoding.UTF8.GetByteCount(responseText), ["mimeType"] = mimeType ?? "text/plain" };
        if (responseText is not null)
            content["text"] = responseText;
        if (responseBody is not null)
        {
            content["size"] = responseBody.Length;
            content["text"] = Convert.ToBase64String(responseBody);
            content["encoding"] = "base64";
        }
        var entry = new JsonObject
        {
            ["startedDateTime"] = Origin.AddMilliseconds(atMs).ToString("yyyy-MM-ddTHH:mm:ss.fffZ"),
            ["time"] = timeMs,
            ["request"] = request,
            ["response"] = new JsonObject
            {
                ["status"] = status,
                ["statusText"] = "",
                ["httpVersion"] = httpVersion,
                ["headers"] = Headers(responseHeaders),
                ["cookies"] = new JsonArray(),
                ["content"] = content,
                ["redirectURL"] = "",
                ["headersSize"] = -1,
                ["bodySize"] = -1,
            },
            ["cache"] = new JsonObject(),
            ["timings"] = new JsonObject { ["send"] = 0, ["wait"] = timeMs, ["receive"] = 0 },
        };
        if (connection is not null)
            entry["_connectionId"] = connection;
        if (stream is not null)
            entry["_stream"] = stream;
        if (grpcStatus is not null)
            entry["_grpc"] = new JsonObject { ["status"] = grpcStatus };
        if (truncated)
            entry["_truncated"] = true;
        if (incomplete)
            entry["_incomplete"] = true;
        _entries.Add(entry);
        return this;
    }

    public string ToJson() => new JsonObject
    {
        ["log"] = new JsonObject
        {
            ["version"] = "1.2",
            ["creator"] = new JsonObject { ["name"] = "tests", ["version"] = "1" },
            ["entries"] = _entries.DeepClone(),
        },
    }.ToJsonString();

    public ReplayPlan ToPlan() => HarPlanReader.Read(new MemoryStream(Encoding.UTF8.GetBytes(ToJson())), "test.har");

    static JsonArray Headers(IEnumerable<(string, string)>? headers)
    {
        var array = new JsonArray();
        foreach (var (name, value) in headers ?? [])
            array.Add(new JsonObject { ["name"] = name, ["value"] = value });
        return array;
    }
}
