using System.Text.Json;
using System.Text.Json.Serialization;
using Capture.Format.Output;

namespace Capture.Replay.Reporting;

/// <summary>Reads and writes the --report JSON (camelCase, indented; exchanges are never written).</summary>
public static class ReportJson
{
    static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DictionaryKeyPolicy = null,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    public static void Write(ReplayReport report, Stream stream) =>
        JsonSerializer.Serialize(stream, report with { Exchanges = null }, Options);

    /// <summary>Writes the report to <paramref name="path"/> through <see cref="OutputFile"/> (0600, whole or not at all).</summary>
    public static void WriteFile(ReplayReport report, string path)
    {
        using var output = OutputFile.CreateWhole(path);
        Write(report, output.Stream);
        output.Commit();
    }

    public static string ToJson(ReplayReport report) => JsonSerializer.Serialize(report with { Exchanges = null }, Options);

    public static ReplayReport? Read(Stream stream) => JsonSerializer.Deserialize<ReplayReport>(stream, Options);
}
