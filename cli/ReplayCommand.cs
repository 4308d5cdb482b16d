using System.CommandLine;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using Capture.Traffic.Json;
using Capture.Format.Output;
using Capture.Traffic.Reassembly;
using Capture.Replay;
using Capture.Replay.Comparison;
using Capture.Replay.Input;
using Capture.Replay.Reporting;
using Capture.Replay.Sending;
using Spectre.Console;

namespace Capture.Cli;

/// <summary>`capture replay INPUT --target URL ...`: resend recorded requests, compare answers, gate on mismatches.</summary>
public static class ReplayCommand
{
    public static Command Create(VerbConsole console)
    {
        var input = new Argument<string>("input") { Description = "The recording to replay: a HAR 1.2 file (ours or a browser's) or a capture file (.tcap)." };
        var target = new Option<string>("--target") { Description = "Where to send: scheme://host:port[/base]. Required; replay never sends to the recorded hosts.", Required = true };
        var pathRewrite = new Option<string?>("--path-prefix-rewrite") { Description = "Replace a leading path prefix: FROM=TO." };
        var setHeader = new Option<string[]>("--set-header") { Description = "Set a header on every request (K:V); repeatable." };
        var dropHeader = new Option<string[]>("--drop-header") { Description = "Remove a recorded header; repeatable." };
        var keepHost = new Option<bool>("--keep-host") { Description = "Send the recorded Host header instead of the target's." };
        var insecure = new Option<bool>("--insecure", "-k") { Description = "Accept any TLS certificate from an https target." };
        var httpVersion = new Option<string>("--http-version") { Description = "HTTP version to send with: recorded (HTTP/2 for entries recorded over h2: h2c to http://, ALPN h2 to https://), 1.1 or 2.", DefaultValueFactory = _ => "recorded" };

        var speed = new Option<double?>("--speed") { Description = "Keep recorded spacing, F times faster (default 1 = real time)." };
        var rate = new Option<double?>("--rate") { Description = "Send N requests per second." };
        var max = new Option<bool>("--max") { Description = "Send as fast as --concurrency allows." };
        var concurrency = new Option<int>("--concurrency") { Description = "Requests in flight at most.", DefaultValueFactory = _ => 32 };
        var ignoreConnections = new Option<bool>("--ignore-connections") { Description = "Do not keep the recorded order within each connection: every request is independent (more parallelism)." };
        var loop = new Option<int?>("--loop") { Description = "Replay the recording N times." };
        var duration = new Option<string?>("--duration") { Description = "Keep looping for this long (e.g. 30s, 5m)." };
        var shard = new Option<string?>("--shard") { Description = $"Replay shard K of N (K/N, N at most {Shard.MaxCount}): a fixed 1/N of the recorded connections, each whole and in order; merge the reports with 'capture report merge'." };

        var timeout = new Option<string>("--timeout") { Description = "Limit per attempt (e.g. 10s, 500ms).", DefaultValueFactory = _ => "10s" };
        var totalTimeout = new Option<string>("--total-timeout") { Description = "Limit per request including retries.", DefaultValueFactory = _ => "30s" };
        var retries = new Option<int>("--retries") { Description = "Retries after a connection failure or timeout (idempotent methods only).", DefaultValueFactory = _ => 2 };
        var retryUnsafe = new Option<bool>("--retry-unsafe") { Description = "Also retry POST and PATCH." };

        var statusClass = new Option<bool>("--status-class") { Description = "Compare status by class (2xx, 4xx) instead of exactly." };
        var compareHeader = new Option<string[]>("--compare-header") { Description = "Response header whose value must match; repeatable." };
        var ignoreJson = new Option<string[]>("--ignore-json") { Description = "JSON path left out of body comparison ($.a.b, $.items[*].id, $..timestamp); repeatable." };
        var protoDescriptors = new Option<string?>("--proto-descriptors") { Description = "A protobuf descriptor set (protoc --include_imports --descriptor_set_out=FILE): gRPC messages of its methods compare as JSON, so --ignore-json applies to them." };

        var harOut = new Option<string?>("--har-out") { Description = "Write the replayed exchanges (sent requests, target's answers) as HAR 1.2 to this file." };
        var harRedaction = new RedactionOptions(); // applies to --har-out only
        var report = new Option<string?>("--report") { Description = "Write the full report (summary, routes, every mismatch) as JSON to this file." };
        var json = new Option<bool>("--json") { Description = "Print the report as JSON on stdout instead of the summary table." };
        var gate = new GateOptions();

        var pid = new Option<int?>("--pid") { Description = "Only requests served by this process id." };
        var filters = new ExchangeFilterOptions("requests");
        var excludePath = new Option<string?>("--exclude-path") { Description = "Leave out requests whose path matches this regular expression." };

        var command = new Command("replay", "Resend recorded requests to a test target, compare the answers with the recording, and report.")
        {
            input, target, pathRewrite, setHeader, dropHeader, keepHost, insecure, httpVersion,
            speed, rate, max, concurrency, ignoreConnections, loop, duration, shard,
            timeout, totalTimeout, retries, retryUnsafe,
            statusClass, compareHeader, ignoreJson, protoDescriptors,
            report, harOut, json,
        };
        gate.AddTo(command);
        command.Options.Add(pid);
        filters.AddTo(command);
        command.Options.Add(excludePath);
        harRedaction.AddTo(command);

        command.SetAction(parsed => VerbRunner.Run(console, () =>
        {
            var filter = new PlanFilter
            {
                Exchange = filters.Build(parsed, parsed.GetValue(pid)),
                ExcludePath = Regex(parsed.GetValue(excludePath)),
            };
            var options = new ReplayOptions
            {
                Target = TargetUri(parsed.GetValue(target)!),
                Rewrites = new RequestRewrites
                {
                    PathPrefix = PathRewrite(parsed.GetValue(pathRewrite)),
                    SetHeaders = (parsed.GetValue(setHeader) ?? []).Select(HeaderArgument).ToList(),
                    DropHeaders = parsed.GetValue(dropHeader) ?? [],
                    KeepHost = parsed.GetValue(keepHost),
                    HttpVersion = HttpVersionArgument(parsed.GetValue(httpVersion)!),
                },
                Timing = Timing(parsed.GetValue(speed), parsed.GetValue(rate), parsed.GetValue(max)),
                Speed = parsed.GetValue(speed) is double f ? OptionRange.Double(f, "--speed", ReplayLimits.MinSpeed, ReplayLimits.MaxSpeed) : 1.0,
                Rate = parsed.GetValue(rate) is double perSecond ? OptionRange.Double(perSecond, "--rate", ReplayLimits.MinRate, ReplayLimits.MaxRate) : 0,
                Concurrency = OptionRange.Int(parsed.GetValue(concurrency), "--concurrency", 1, ReplayLimits.MaxConcurrency),
                KeepConnectionOrder = !parsed.GetValue(ignoreConnections),
                Loop = parsed.GetValue(loop) is int n
                    ? OptionRange.Int(n, "--loop", 1, ReplayLimits.MaxLoop)
                    : parsed.GetValue(duration) is null ? 1 : int.MaxValue,
                Duration = parsed.GetValue(duration) is string d ? OptionRange.Duration(d, "--duration", ReplayLimits.MinDuration, ReplayLimits.MaxDuration) : null,
                Resilience = new ResilienceSettings
                {
                    AttemptTimeout = OptionRange.Duration(parsed.GetValue(timeout)!, "--timeout", ReplayLimits.MinTimeout, ReplayLimits.MaxTimeout),
                    TotalTimeout = OptionRange.Duration(parsed.GetValue(totalTimeout)!, "--total-timeout", ReplayLimits.MinTimeout, ReplayLimits.MaxTimeout),
                    MaxRetries = OptionRange.Int(parsed.GetValue(retries), "--retries", 0, ReplayLimits.MaxRetries),
                    RetryUnsafe = parsed.GetValue(retryUnsafe),
                },
                Comparison = new ComparisonRules
                {
                    StatusClassOnly = parsed.GetValue(statusClass),
                    CompareHeaders = parsed.GetValue(compareHeader) ?? [],
                    IgnoreJson = (parsed.GetValue(ignoreJson) ?? []).Select(JsonPath).ToList(),
                    Protobuf = parsed.GetValue(protoDescriptors) is string descriptors ? ProtoDescriptors.Load(descriptors) : null,
                },
                MaxMismatchPercent = gate.MaxMismatchPercent(parsed),
                AllowNotCompared = gate.AllowsNotCompared(parsed),
                KeepExchanges = parsed.GetValue(harOut) is not null,
                AllowInvalidCertificates = parsed.GetValue(insecure),
            };

            var only = parsed.GetValue(shard) is string shardText ? ShardArgument(shardText) : (Shard?)null;
            var redaction = harRedaction.Build(parsed, console.Error);
            if (redaction is not null && parsed.GetValue(harOut) is null)
                throw Usage("--redact, --redact-name, --redact-json and --redact-key apply to --har-out; give --har-out FILE too.");
            var plan = LoadPlan(parsed.GetValue(input)!, filter);
            if (only is Shard part)
                plan = plan.ForShard(part);
            WarnAboutLongSchedule(plan, options, console.Error);
            // Open the report file before replaying so an unwritable path fails in a second, not after the run.
            using var reportFile = parsed.GetValue(report) is string reportPath ? OutputFile.CreateWhole(reportPath) : null;
            using var harFile = parsed.GetValue(harOut) is string harPath ? OutputFile.CreateWhole(harPath) : null;
            var result = Run(plan, options, console);

            if (reportFile is not null)
            {
                ReportJson.Write(result, reportFile.Stream);
                reportFile.Commit();
            }
            if (harFile is not null)
            {
                ReplayHarWriter.Write(result, options, harFile.Stream, redaction);
                harFile.Commit();
            }
            if (parsed.GetValue(json))
                console.Out.WriteLine(ReportJson.ToJson(result));
            else
                ReplaySummaryTable.Print(result, console);

            if (!result.Interrupted && plan.Requests.Count == 0)
                console.Error.WriteLine(only is Shard empty
                    ? $"capture: nothing to replay: shard {empty} holds none of the recording's connections."
                    : "capture: nothing to replay: the input has no http(s) requests left after filters.");
            return ReplayExitCode.For(result);
        }));
        return command;
    }

    static ReplayPlan LoadPlan(string path, PlanFilter filter)
    {
        return filter.Load(InputFile.Require(path, "a HAR or capture file"));
    }

    /// <summary>Runs the replay, with a live progress line when stderr is a terminal; Ctrl+C stops it cleanly.</summary>
    static ReplayReport Run(ReplayPlan plan, ReplayOptions options, VerbConsole console)
    {
        using var cancel = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = true; cancel.Cancel(); };
        Console.CancelKeyPress += onCancel;
        // A CI job that times out sends SIGTERM: stop the same way, with the partial report.
        using var onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; cancel.Cancel(); });
        try
        {
            if (!console.ErrorIsTerminal || !console.OutIsTerminal)
                return ReplayRunner.RunAsync(plan, options, null, cancel.Token, console.Time).GetAwaiter().GetResult();
            return RunWithProgress(plan, options, console, cancel.Token);
        }
        catch (ArgumentException e)
        {
            throw Usage(e.Message);
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }

    static ReplayReport RunWithProgress(ReplayPlan plan, ReplayOptions options, VerbConsole output, CancellationToken ct)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output.Error) });
        ReplayReport? result = null;
        console.Status().Start("replaying...", context =>
        {
            var progress = new Progress<ReplayProgress>(p => context.Status(Markup.Escape(
                $"sent {p.Completed}{(p.Expected is int e ? $"/{e}" : "")}  ok {p.Matched}  mismatched {p.Mismatched}  errors {p.Errors}  {p.CurrentRate:F0} req/s")));
            result = ReplayRunner.RunAsync(plan, options, progress, ct, output.Time).GetAwaiter().GetResult();
        });
        return result!;
    }

    /// <summary>Real-time replay of a long recording takes as long as the recording: say so before starting.</summary>
    static void WarnAboutLongSchedule(ReplayPlan plan, ReplayOptions options, TextWriter warnings)
    {
        if (options.Timing != TimingMode.Speed || options.Duration is not null)
            return;
        // In days as a double: a span of centuries at --speed 0.001 does not fit a TimeSpan.
        double days = plan.RecordedSpan.TotalDays / options.Speed;
        if (days > 10.0 / (24 * 60))
            warnings.WriteLine($"capture: the recording spans {plan.RecordedSpan:g}; at --speed {options.Speed:0.###} the replay takes about {Length(days)} (use a higher --speed, --rate N or --max to go faster).");
    }

    static string Length(double days) => days switch
    {
        < 1.0 / 24 => $"{days * 24 * 60:0} minutes",
        < 2 => $"{days * 24:0.#} hours",
        _ => $"{days:#,0} days",
    };

    static Shard ShardArgument(string text) =>
        Shard.Parse(text) ?? throw Usage($"--shard takes K/N with 1 <= K <= N <= {Shard.MaxCount}, not '{text}'.");

    static HttpVersionChoice HttpVersionArgument(string text) =>
        HttpVersionChoices.Parse(text) ?? throw Usage($"--http-version takes 1.1, 2 or recorded, not '{text}'.");

    static TimingMode Timing(double? speed, double? rate, bool max)
    {
        int chosen = (speed is null ? 0 : 1) + (rate is null ? 0 : 1) + (max ? 1 : 0);
        if (chosen > 1)
            throw Usage("Choose one of --speed, --rate and --max.");
        return rate is not null ? TimingMode.Rate : max ? TimingMode.Max : TimingMode.Speed;
    }

    static Uri TargetUri(string text)
    {
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            throw Usage($"--target must be an absolute http:// or https:// URL, not '{text}'.");
        return uri;
    }

    static (string, string)? PathRewrite(string? text)
    {
        if (text is null)
            return null;
        int eq = text.IndexOf('=');
        if (eq <= 0 || !text.StartsWith('/'))
            throw Usage($"--path-prefix-rewrite takes FROM=TO with FROM starting with '/', not '{text}'.");
        if (OutgoingRequestCheck.TargetProblem(text) is string problem)
            throw Usage($"--path-prefix-rewrite cannot be sent: its {problem}.");
        return (text[..eq], text[(eq + 1)..]);
    }

    static HeaderField HeaderArgument(string text)
    {
        int colon = text.IndexOf(':');
        if (colon <= 0)
            throw Usage($"--set-header takes NAME:VALUE, not '{text}'.");
        var header = new HeaderField(text[..colon].Trim(), text[(colon + 1)..].Trim());
        // The same rule as for recorded headers: nothing reaches the wire that is not a valid HTTP field.
        if (OutgoingRequestCheck.HeaderProblem(header.Name, header.Value) is string problem)
            throw Usage($"--set-header cannot be sent: {problem}.");
        return header;
    }

    static JsonPathPattern JsonPath(string text)
    {
        try { return JsonPathPattern.Parse(text); }
        catch (FormatException e) { throw Usage(e.Message); }
    }

    static Regex? Regex(string? text)
    {
        if (text is null)
            return null;
        try { return new Regex(text, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1)); }
        catch (ArgumentException) { throw Usage($"--exclude-path '{text}' is not a valid regular expression."); }
    }

    static UserError Usage(string sentence) => new(sentence, ExitCodes.Usage);
}
