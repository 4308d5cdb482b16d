using System.Text;
using System.Text.Json;
using Capture.Format;
using Capture.Traffic.Har;

namespace Capture.EndToEnd.Tests.Infrastructure;

/// <summary>A capture file converted with the format library's HarConversion (as `capture har` does), parsed back.</summary>
public sealed class HarOfCapture : IDisposable
{
    private readonly JsonDocument _document;

    public IReadOnlyList<JsonElement> Entries { get; }

    private HarOfCapture(JsonDocument document)
    {
        _document = document;
        Entries = document.RootElement.GetProperty("log").GetProperty("entries").EnumerateArray().ToList();
    }

    public static HarOfCapture Convert(string capturePath)
    {
        using var reader = CaptureReader.Open(capturePath);
        using var output = new MemoryStream();
        HarConversion.Run(reader, output);
        return new HarOfCapture(JsonDocument.Parse(output.ToArray()));
    }

    public static string Url(JsonElement entry) => entry.GetProperty("request").GetProperty("url").GetString()!;

    /// <summary>The response body as bytes (HAR keeps binary bodies in base64).</summary>
    public static byte[] ResponseBody(JsonElement entry) => Text(entry.GetProperty("response").GetProperty("content"));

    /// <summary>The request body as bytes, empty when the request has none.</summary>
    public static byte[] RequestBody(JsonElement entry) =>
        entry.GetProperty("request").TryGetProperty("postData", out var post) ? Text(post) : [];

    private static byte[] Text(JsonElement content)
    {
        string text = content.TryGetProperty("text", out var t) ? t.GetString() ?? "" : "";
        // content has "encoding"; postData has no such HAR field, so capture writes "_encoding".
        bool base64 = (content.TryGetProperty("encoding", out var e) || content.TryGetProperty("_encoding", out e)) && e.GetString() == "base64";
        return base64 ? System.Convert.FromBase64String(text) : Encoding.UTF8.GetBytes(text);
    }

    public void Dispose() => _document.Dispose();
}
