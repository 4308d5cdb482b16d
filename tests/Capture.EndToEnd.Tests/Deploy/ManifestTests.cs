using System.Text.RegularExpressions;
using Capture.Cli;
using Capture.EndToEnd.Tests.Cli;
using Capture.Recorder;
using Capture.Replay.Input;
using YamlDotNet.RepresentationModel;

namespace Capture.EndToEnd.Tests.Deploy;

/// <summary>
/// The manifests in deploy/ cannot drift from the CLI: every container's arguments, as Kubernetes
/// would expand them, go through the real command line (CaptureCommandLine.Build) and must parse;
/// the replay Job's shards must cover 1..N once, and the merge Job must read exactly what they write.
/// </summary>
public class ManifestTests
{
    private static string Deploy => Path.Combine(CaptureCli.RepositoryRoot, "deploy");

    [Fact]
    public void The_daemonset_records_with_arguments_the_cli_accepts()
    {
        var (container, spec) = Containers("record-daemonset.yaml").Single();
        string[] args = Expand(Strings(container["args"]), Env(container));

        AssertParses(args);
        Assert.Equal("record", args[0]);
        Assert.Equal("/var/lib/capture/node-1.tcap", Value(args, "-o"));
        // Rotated windows, the oldest removed: a node's disk never fills.
        Assert.True(Units.TryParseSize(Value(args, "--rotate-size"), out _));
        Assert.True(Units.TryParseDuration(Value(args, "--rotate-every"), out _));
        Assert.True(int.Parse(Value(args, "--keep"), System.Globalization.CultureInfo.InvariantCulture) > 0);
        Assert.DoesNotContain("--max-size", args);
        Assert.Equal("true", Scalar(spec, "hostPID"));
        var mounts = Sequence(container["volumeMounts"]).Select(m => Scalar(m, "mountPath")).ToList();
        Assert.Contains("/sys/kernel/btf", mounts);
        Assert.Contains("/sys/kernel/tracing", mounts);
        Assert.Contains("/sys/fs/cgroup", mounts);
        var added = Strings(((YamlMappingNode)((YamlMappingNode)container["securityContext"])["capabilities"])["add"]);
        Assert.Contains("BPF", added);
        Assert.Contains("PERFMON", added);
    }

    [Fact]
    public void The_indexed_replay_job_and_its_merge_cover_every_shard_once_with_arguments_the_cli_accepts()
    {
        var documents = Containers("replay-job.yaml").ToList();
        var (replay, _) = documents[0];
        var job = LoadDocuments("replay-job.yaml")[0];
        var jobSpec = (YamlMappingNode)job["spec"];
        Assert.Equal("Indexed", Scalar(jobSpec, "completionMode"));
        int completions = int.Parse(Scalar(jobSpec, "completions"));
        Assert.Equal(["sh", "-c"], Strings(replay["command"]));
        string script = Strings(replay["args"]).Single();

        var shards = new List<Shard>();
        var reports = new List<string>();
        for (int index = 0; index < completions; index++)
        {
            string[] args = ShellWords(ExpandShell(script, index, Env(replay)));
            Assert.Equal(["exec", "capture"], args[..2]);
            args = args[2..];
            AssertParses(args);
            shards.Add(Shard.Parse(Value(args, "--shard")) ?? throw new Xunit.Sdk.XunitException($"bad --shard in pod {index}"));
            reports.Add(Value(args, "--report"));
        }
        Assert.Equal(Enumerable.Range(1, completions), shards.Select(s => s.Index));
        Assert.All(shards, s => Assert.Equal(completions, s.Count));

        var (merge, _) = documents[1];
        string[] mergeArgs = Strings(merge["args"]);
        AssertParses(mergeArgs);
        Assert.Equal(["report", "merge"], mergeArgs[..2]);
        int output = Array.IndexOf(mergeArgs, "-o");
        Assert.Equal(reports, mergeArgs[2..output]); // it reads exactly what the shards write
    }

    [Fact]
    public void The_image_builds_the_cli_with_its_bpf_object_and_runs_it()
    {
        string containerfile = File.ReadAllText(Path.Combine(Deploy, "Containerfile"));
        var publish = Regex.Match(containerfile, @"dotnet publish (\S+\.csproj)");
        Assert.True(publish.Success);
        Assert.True(File.Exists(Path.Combine(CaptureCli.RepositoryRoot, publish.Groups[1].Value)));
        Assert.Contains("libbpf-dev", containerfile); // the BPF object is compiled during the build
        Assert.Contains("libbpf1", containerfile);    // and loaded through libbpf at run time
        Assert.Contains("ENTRYPOINT [\"capture\"]", containerfile);
    }

    private static void AssertParses(string[] args)
    {
        var parsed = CaptureCommandLine.Build(new VerbConsole(TextWriter.Null, TextWriter.Null, false, false)).Parse(args);
        Assert.True(parsed.Errors.Count == 0, $"capture {string.Join(' ', args)}: {string.Join("; ", parsed.Errors.Select(e => e.Message))}");
    }

    private static string Value(string[] args, string option)
    {
        int at = Array.IndexOf(args, option);
        Assert.True(at >= 0 && at + 1 < args.Length, $"{option} missing");
        return args[at + 1];
    }

    /// <summary>Kubernetes' $(VAR) expansion in args; a fieldRef (spec.nodeName) stands for an example node.</summary>
    private static string[] Expand(string[] args, Dictionary<string, string> env) =>
        args.Select(a => Regex.Replace(a, @"\$\(([A-Z_]+)\)", m => env.TryGetValue(m.Groups[1].Value, out var v) ? v : m.Value)).ToArray();

    /// <summary>What sh does to the Job's line for pod <paramref name="index"/>: the index arithmetic and $VARS.</summary>
    private static string ExpandShell(string script, int index, Dictionary<string, string> env)
    {
        string line = script.Replace("$((JOB_COMPLETION_INDEX + 1))", (index + 1).ToString());
        return Regex.Replace(line, @"\$([A-Z_]+)", m => env.TryGetValue(m.Groups[1].Value, out var v) ? v : m.Value);
    }

    /// <summary>Splits a shell line into words: blanks separate, double quotes group (no other shell syntax is used).</summary>
    private static string[] ShellWords(string line)
    {
        Assert.DoesNotMatch(@"[`'\\;|&<>]|\$", line); // anything else would need a real shell to read
        return Regex.Matches(line, "\"([^\"]*)\"|(\\S+)").Select(m => m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Value).ToArray();
    }

    private static Dictionary<string, string> Env(YamlMappingNode container)
    {
        var env = new Dictionary<string, string>();
        if (container.Children.TryGetValue("env", out var list))
            foreach (var item in Sequence(list))
                env[Scalar(item, "name")] = ((YamlMappingNode)item).Children.ContainsKey("value") ? Scalar(item, "value") : "node-1";
        return env;
    }

    private static IEnumerable<(YamlMappingNode Container, YamlMappingNode PodSpec)> Containers(string file)
    {
        foreach (var document in LoadDocuments(file))
        {
            var podSpec = (YamlMappingNode)((YamlMappingNode)((YamlMappingNode)document["spec"])["template"])["spec"];
            foreach (var container in Sequence(podSpec["containers"]))
                yield return ((YamlMappingNode)container, podSpec);
        }
    }

    private static List<YamlMappingNode> LoadDocuments(string file)
    {
        var stream = new YamlStream();
        using var reader = new StreamReader(Path.Combine(Deploy, file));
        stream.Load(reader);
        return stream.Documents.Select(d => (YamlMappingNode)d.RootNode).ToList();
    }

    private static IEnumerable<YamlNode> Sequence(YamlNode node) => ((YamlSequenceNode)node).Children;
    private static string[] Strings(YamlNode node) => Sequence(node).Select(n => ((YamlScalarNode)n).Value!).ToArray();
    private static string Scalar(YamlNode node, string key) => ((YamlScalarNode)((YamlMappingNode)node)[key]).Value!;
}
