using System.Globalization;
using Capture.Replay.Latency;
using Capture.Replay.Reporting;
using Spectre.Console;

namespace Capture.Cli;

/// <summary>The human summary on stdout: totals, latency against the recording, routes, first mismatches.</summary>
public static class ReplaySummaryTable
{
    const int MismatchesShown = 10;

    public static void Print(ReplayReport r, VerbConsole output)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output.Out) });
        if (!output.OutIsTerminal)
            console.Profile.Width = 120; // a file or pipe has no width; 80 would wrap route names
        var s = r.Summary;
        var totals = new Table().Border(TableBorder.Simple).HideHeaders().AddColumn("").AddColumn("");
        void Row(string name, string value) => totals.AddRow(Markup.Escape(name), Markup.Escape(value));
        Row("input", r.Source);
        Row("target", r.Target);
        if (r.Shard is { } shard)
            Row("shard", $"{shard}: {s.Planned} planned requests, the connections this shard holds");
        if (r.MergedFrom is { } reports)
            Row("merged", $"{reports.Count} report{(reports.Count == 1 ? "" : "s")}: {string.Join(", ", reports.Take(4))}{(reports.Count > 4 ? ", ..." : "")}");
        Row("requests", $"{s.Total} in {r.DurationSeconds:F1}s ({s.RequestsPerSecond:F1}/s)" + (r.Interrupted ? ", interrupted" : ""));
        Row("matched", $"{s.Matched}");
        Row("mismatched", $"{s.Mismatched}");
        if (s.NotCompared > 0)
            Row("not compared", $"{s.NotCompared} (body: {string.Join(", ", s.BodiesNotCompared.Select(k => $"{k.Key} {k.Value}"))})" +
                (s.AllowNotCompared ? ", allowed" : ", counted as failed unless --allow-not-compared"));
        Row("errors", s.Errors == 0 ? "0" : $"{s.Errors} ({string.Join(", ", s.ErrorKinds.Select(k => $"{k.Key} {k.Value}"))})");
        if (s.Skipped > 0)
            Row("skipped", $"{s.Skipped} not sent: they cannot go out as recorded (see below)");
        Row("gate", r.Interrupted
            ? "interrupted: FAIL"
            : $"{s.MismatchPercent:0.###}% failed (mismatched, errors, skipped{(s.AllowNotCompared ? "" : ", not compared")}), limit {s.MaxMismatchPercent:0.###}%: {(s.Passed ? "pass" : "FAIL")}");
        if (s.Retries > 0 || s.CircuitBreaks > 0)
            Row("resilience", $"{s.Retries} retries, circuit opened {s.CircuitBreaks} times");
        if (s.SkippedNotHttp > 0 || s.Filtered > 0)
            Row("left out", $"{s.SkippedNotHttp} non-http entries, {s.Filtered} filtered");
        Row("latency replay", Latency(s.ReplayLatency));
        Row("latency recorded", Latency(s.RecordedLatency));
        console.Write(totals);

        if (r.Routes.Count > 0)
        {
            var routes = new Table().Border(TableBorder.Simple)
                .AddColumn("").AddColumn("route").AddColumn("n", c => c.RightAligned()).AddColumn("ok", c => c.RightAligned())
                .AddColumn("diff", c => c.RightAligned()).AddColumn("n/c", c => c.RightAligned()).AddColumn("err", c => c.RightAligned())
                .AddColumn("p50 ms replay/rec", c => c.RightAligned()).AddColumn("p99 ms replay/rec", c => c.RightAligned());
            foreach (var route in r.Routes)
            {
                int errors = route.Errors + route.Skipped;
                string flag = route.Mismatched + errors > 0 ? "[red]" : "";
                string end = flag.Length > 0 ? "[/]" : "";
                // A marker that survives without colour (pipes, CI logs): which routes differ.
                string marker = errors > 0 ? "ERR" : route.Mismatched > 0 ? "DIFF" : route.NotCompared > 0 ? "n/c" : "ok";
                routes.AddRow(flag + marker + end, flag + Markup.Escape(Printable(route.Route)) + end, $"{route.Count}", $"{route.Matched}",
                    flag + $"{route.Mismatched}" + end, $"{route.NotCompared}", flag + $"{errors}" + end,
                    Pair(route.ReplayLatency.P50, route.RecordedLatency.P50), Pair(route.ReplayLatency.P99, route.RecordedLatency.P99));
            }
            console.Write(routes);
        }

        foreach (var k in r.Skipped.Where(k => k.Iteration == 0).Take(MismatchesShown))
            console.WriteLine($"skipped #{k.Index} {Printable(k.Request.Method)} {Printable(k.Request.RecordedUrl)}: {k.Reason}", new Style());
        foreach (var m in r.Mismatches.Take(MismatchesShown))
            console.WriteLine($"mismatch #{m.Index}{(m.Iteration > 0 ? $" (loop {m.Iteration + 1})" : "")} {m.Request.Method} {Printable(m.Request.Url)}: {string.Join("; ", m.Diff.Take(3))}", new Style());
        int more = r.Summary.Mismatched - Math.Min(MismatchesShown, r.Mismatches.Count);
        if (more > 0)
            console.WriteLine($"... and {more} more mismatches (see --report).", new Style());
    }

    /// <summary>Recorded text on one line: control characters (a CR/LF from a hostile recording) shown as escapes.</summary>
    static string Printable(string text)
    {
        if (!text.Any(char.IsControl))
            return text;
        var shown = new System.Text.StringBuilder(text.Length + 8);
        foreach (char c in text)
            shown.Append(char.IsControl(c) ? $"\\x{(int)c:X2}" : c.ToString());
        return shown.ToString();
    }

    static string Latency(LatencySummary l) => l.Count == 0
        ? "-"
        : $"p50 {l.P50:0.##} ms, p90 {l.P90:0.##} ms, p99 {l.P99:0.##} ms, max {l.Max:0.##} ms";

    static string Pair(double? replay, double? recorded) =>
        $"{(replay is double a ? a.ToString("0.##", CultureInfo.InvariantCulture) : "-")} / {(recorded is double b ? b.ToString("0.##", CultureInfo.InvariantCulture) : "-")}";
}
