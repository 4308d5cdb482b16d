using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Capture.Replay;
using Capture.Replay.Input;
using Capture.Replay.Reporting;

namespace Capture.Benchmarks;

/// <summary>
/// Replay throughput with --max against a trivial loopback nginx, as a ratio of what wrk gets
/// from the same server in the same run; and schedule accuracy at --speed 1 (how late requests
/// leave compared with their recorded offsets).
/// Options: --seconds N (per measurement, default 5), --rounds N (default 3), --concurrency N (default 32), --lag-only.
/// </summary>
public static class ReplayBenchmark
{
    public static int Run(string[] args)
    {
        int seconds = IntArg(args, "--seconds", 5);
        int concurrency = IntArg(args, "--concurrency", 32);
        if (!Tool("nginx") || !Tool("wrk"))
        {
            Console.Error.WriteLine("replay benchmark: needs nginx and wrk (apt-get install nginx-light wrk).");
            return 4;
        }
        using var nginx = LoopbackNginx.Start();
        var target = new Uri($"http://127.0.0.1:{nginx.Port}/");
        if (args.Contains("--lag-only"))
        {
            ScheduleAccuracy(target); // warm-up
            var only = ScheduleAccuracy(target).Summary.ScheduleLag;
            Console.WriteLine($"schedule lag at --speed 1 over {only.Count} requests: p50 {only.P50:F3} ms, p90 {only.P90:F3} ms, p99 {only.P99:F3} ms, max {only.Max:F3} ms   (goal p99 < 2 ms)");
            return 0;
        }
        Console.WriteLine($"target: nginx on {target} (return 200 \"ok\"), {Environment.ProcessorCount} cores, concurrency {concurrency}, {seconds}s per run");

        // The machine is shared: alternate the three measurements for a few rounds and compare medians,
        // so a burst of someone else's work does not land on one side only.
        int rounds = IntArg(args, "--rounds", 3);
        Throughput(target, concurrency, 1); // warm-up: JIT, connection pool
        BareHttpClient(target, concurrency, 1);
        var wrk = new List<double>();
        var bare = new List<double>();
        var replay = new List<double>();
        long bareBytes = 0, bareRequests = 0, replayBytes = 0, replayRequests = 0;
        for (int round = 1; round <= rounds; round++)
        {
            wrk.Add(RunWrk(target, concurrency, seconds));
            long before = GC.GetTotalAllocatedBytes(true);
            bare.Add(BareHttpClient(target, concurrency, seconds));
            bareBytes += GC.GetTotalAllocatedBytes(true) - before;
            bareRequests += (long)(bare[^1] * seconds);
            before = GC.GetTotalAllocatedBytes(true);
            var report = Throughput(target, concurrency, seconds);
            replayBytes += GC.GetTotalAllocatedBytes(true) - before;
            replayRequests += report.Summary.Total;
            replay.Add(report.Summary.RequestsPerSecond);
            Console.WriteLine($"round {round}: wrk {wrk[^1],8:F0}  bare HttpClient {bare[^1],8:F0}  replay --max {replay[^1],8:F0} req/s ({report.Summary.Errors} errors)");
        }
        double wrkRate = Median(wrk), bareRate = Median(bare), replayRate = Median(replay);
        Console.WriteLine($"median: wrk -t2 -c{concurrency} {wrkRate:F0} req/s; bare HttpClient loop {bareRate:F0} req/s ({bareRate / wrkRate:P0} of wrk); capture replay --max {replayRate:F0} req/s");
        Console.WriteLine($"ratio replay / wrk: {replayRate / wrkRate:P0} (goal >= 50%); replay / bare HttpClient: {replayRate / bareRate:P0}");
        // Allocations are a steadier measure than rates on a shared machine: they do not depend on the load.
        Console.WriteLine($"allocated per request: replay {replayBytes / Math.Max(1, replayRequests)} B, bare HttpClient {bareBytes / Math.Max(1, bareRequests)} B");

        var lag = ScheduleAccuracy(target).Summary.ScheduleLag;
        Console.WriteLine($"schedule lag at --speed 1 over {lag.Count} requests: p50 {lag.P50:F3} ms, p90 {lag.P90:F3} ms, p99 {lag.P99:F3} ms, max {lag.Max:F3} ms   (goal p99 < 2 ms)");
        return 0;
    }

    /// <summary>Replays one GET as fast as possible for the given time; requests are independent (no connection ids).</summary>
    static ReplayReport Throughput(Uri target, int concurrency, int seconds)
    {
        var plan = new ReplayPlan(Enumerable.Range(0, 1000).Select(i => Get(i, DateTimeOffset.UnixEpoch)).ToList(), "benchmark");
        var options = new ReplayOptions
        {
            Target = target,
            Timing = TimingMode.Max,
            Concurrency = concurrency,
            Loop = int.MaxValue,
            Duration = TimeSpan.FromSeconds(seconds),
        };
        return ReplayRunner.RunAsync(plan, options).GetAwaiter().GetResult();
    }

    static double BareHttpClient(Uri target, int concurrency, int seconds)
    {
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false, MaxConnectionsPerServer = concurrency });
        long count = 0;
        var clock = Stopwatch.StartNew();
        var until = TimeSpan.FromSeconds(seconds);
        var workers = Enumerable.Range(0, concurrency).Select(async _ =>
        {
            while (clock.Elapsed < until)
            {
                using var response = await client.GetAsync(target);
                await response.Content.ReadAsByteArrayAsync();
                Interlocked.Increment(ref count);
            }
        }).ToArray();
        Task.WaitAll(workers);
        return count / clock.Elapsed.TotalSeconds;
    }

    /// <summary>4000 requests with random gaps (mean 1 ms, like a busy service) replayed in real time.</summary>
    static ReplayReport ScheduleAccuracy(Uri target)
    {
        var random = new Random(7);
        var at = DateTimeOffset.UnixEpoch;
        var requests = new List<ReplayRequest>();
        for (int i = 0; i < 4000; i++)
        {
            at = at.AddTicks((long)(-Math.Log(1 - random.NextDouble()) * TimeSpan.TicksPerMillisecond));
            requests.Add(Get(i, at));
        }
        var options = new ReplayOptions { Target = target, Timing = TimingMode.Speed, Speed = 1, Concurrency = 64 };
        return ReplayRunner.RunAsync(new ReplayPlan(requests, "benchmark"), options).GetAwaiter().GetResult();
    }

    static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }

    static ReplayRequest Get(int index, DateTimeOffset at) => new()
    {
        Index = index,
        Method = "GET",
        Url = "http://prod/",
        Headers = [new HeaderField("User-Agent", "capture-bench")],
        Body = [],
        Response = new RecordedResponse(200, [], "ok"u8.ToArray(), "text/plain"),
        StartedAt = at,
        RecordedMilliseconds = 1,
    };

    static double RunWrk(Uri target, int concurrency, int seconds)
    {
        var psi = new ProcessStartInfo("wrk", $"-t2 -c{concurrency} -d{seconds}s {target}") { RedirectStandardOutput = true, RedirectStandardError = true };
        using var wrk = Process.Start(psi)!;
        string output = wrk.StandardOutput.ReadToEnd();
        wrk.WaitForExit();
        var match = Regex.Match(output, @"Requests/sec:\s+([\d.]+)");
        if (!match.Success)
            throw new InvalidOperationException("wrk printed no Requests/sec: " + output);
        return double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    static bool Tool(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Concat(["/usr/sbin", "/sbin"])
            .Any(dir => File.Exists(Path.Combine(dir, name)));

    static int IntArg(string[] args, string name, int fallback)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length && int.TryParse(args[i + 1], out int v) && v > 0 ? v : fallback;
    }

    /// <summary>nginx in the foreground on a free loopback port with a throwaway config; killed on dispose.</summary>
    sealed class LoopbackNginx : IDisposable
    {
        readonly Process _process;
        readonly string _dir;
        public int Port { get; }

        LoopbackNginx(Process process, string dir, int port) { _process = process; _dir = dir; Port = port; }

        public static LoopbackNginx Start()
        {
            int port = FreePort();
            string dir = Directory.CreateTempSubdirectory("capture-bench-nginx-").FullName;
            string config = Path.Combine(dir, "nginx.conf");
            File.WriteAllText(config, $$"""
                daemon off;
                worker_processes 1;
                pid {{dir}}/nginx.pid;
                error_log {{dir}}/error.log;
                events { worker_connections 1024; }
                http {
                    access_log off;
                    client_body_temp_path {{dir}}/body;
                    proxy_temp_path {{dir}}/proxy;
                    fastcgi_temp_path {{dir}}/fastcgi;
                    uwsgi_temp_path {{dir}}/uwsgi;
                    scgi_temp_path {{dir}}/scgi;
                    keepalive_requests 1000000;
                    server {
                        listen 127.0.0.1:{{port}};
                        location / { return 200 "ok"; }
                    }
                }
                """);
            string nginx = File.Exists("/usr/sbin/nginx") ? "/usr/sbin/nginx" : "nginx";
            var process = Process.Start(new ProcessStartInfo(nginx, $"-p {dir} -c {config}") { RedirectStandardError = true })!;
            var server = new LoopbackNginx(process, dir, port);
            var deadline = Stopwatch.StartNew();
            while (!Accepts(port))
            {
                if (process.HasExited || deadline.Elapsed > TimeSpan.FromSeconds(10))
                {
                    server.Dispose();
                    throw new InvalidOperationException("nginx did not start: " + File.ReadAllText(Path.Combine(dir, "error.log")));
                }
                Thread.Sleep(50);
            }
            return server;
        }

        public void Dispose()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(5000);
            }
            _process.Dispose();
            try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
        }

        static bool Accepts(int port)
        {
            try
            {
                using var client = new TcpClient();
                client.Connect(IPAddress.Loopback, port);
                return true;
            }
            catch (SocketException)
            {
                return false;
            }
        }

        static int FreePort()
        {
            var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            int port = ((IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop();
            return port;
        }
    }
}
