using System.CommandLine;
using System.Text.Json;
using Capture.Format;
using Capture.Format.Output;
using Capture.Replay.Reporting;

namespace Capture.Cli;

/// <summary>`capture report merge R1.json ... RN.json -o all.json`: one report and one gate from the reports of replay shards.</summary>
public static class ReportCommand
{
    public static Command Create(VerbConsole console)
    {
        var reports = new Argument<string[]>("reports") { Description = "The --report files of the shards 1/N..N/N of one recording.", Arity = ArgumentArity.OneOrMore };
        var output = new Option<string?>("--output", "-o") { Description = "Write the merged report as JSON to this file." };
        var json = new Option<bool>("--json") { Description = "Print the merged report as JSON on stdout instead of the summary table." };
        var gate = new GateOptions();

        var merge = new Command("merge", "Combine the reports of replay shards (--shard K/N) into one: counts, mismatches and exact percentiles, then apply the gate once.")
        {
            reports, output, json,
        };
        gate.AddTo(merge);
        merge.SetAction(parsed => VerbRunner.Run(console, () =>
        {
            double maxMismatch = gate.MaxMismatchPercent(parsed);
            var named = parsed.GetValue(reports)!.Select(Read).ToList();
            ShardCoverage.Check(named);
            var merged = ReportMerger.Merge(named, maxMismatch, gate.AllowsNotCompared(parsed));

            if (parsed.GetValue(output) is string path)
                ReportJson.WriteFile(merged, path);
            if (parsed.GetValue(json))
                console.Out.WriteLine(ReportJson.ToJson(merged));
            else
                ReplaySummaryTable.Print(merged, console);
            return ReplayExitCode.For(merged);
        }));

        return new Command("report", "Work with replay reports.") { merge };
    }

    /// <summary>A report file, checked: anything else is one sentence and exit 3.</summary>
    static NamedReport Read(string path)
    {
        InputFile.Require(path, "a replay report");
        ReplayReport? report;
        try
        {
            using var stream = File.OpenRead(path);
            report = ReportJson.Read(stream);
        }
        catch (JsonException e)
        {
            throw new CaptureFormatException($"{path} is not a replay report: {Reason(e)}.");
        }
        catch (IOException e)
        {
            throw new CaptureFormatException($"{path} cannot be read: {e.Message.TrimEnd('.')}.");
        }
        if (report is null)
            throw new CaptureFormatException($"{path} is not a replay report: it holds null.");
        ReportCheck.Validate(path, report);
        return new NamedReport(path, report);
    }

    /// <summary>The parser's reason without its type names, which mean nothing to a user.</summary>
    static string Reason(JsonException e) =>
        e.Message.Contains("required", StringComparison.OrdinalIgnoreCase) ? "it lacks the fields every report has (source, summary, routes...)"
        : e.Path is { Length: > 0 } where ? $"unexpected content at {where}" + (e.LineNumber is long line ? $" (line {line + 1})" : "")
        : "it is not JSON";
}
