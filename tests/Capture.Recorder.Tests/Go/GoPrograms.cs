using Capture.Tests.Shared;

namespace Capture.Recorder.Tests.Go;

/// <summary>
/// Real Go programs built once per test run with Debian's golang-go: an HTTPS server (crypto/tls
/// linked in), the same stripped of its symbol table, and a plain program without crypto/tls.
/// Without `go` the tests skip, except under CAPTURE_REQUIRE_TOOLS=1 (CI) where that fails them (GoToolchain).
/// </summary>
public static class GoPrograms
{
    private const string HttpsServer = """
        package main

        import (
        	"fmt"
        	"net/http"
        )

        func main() {
        	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "hello") })
        	fmt.Println(http.ListenAndServeTLS("127.0.0.1:0", "cert.pem", "key.pem", nil))
        }
        """;

    private const string Plain = """
        package main

        import "fmt"

        func main() { fmt.Println("no tls here") }
        """;

    private static readonly Lazy<(string Server, string Stripped, string Plain)> Built = new(Build);

    public static string Server => Require().Server;
    public static string StrippedServer => Require().Stripped;
    public static string WithoutTls => Require().Plain;

    /// <summary>`go version`'s toolchain version, e.g. go1.19.8.</summary>
    public static string ToolchainVersion => GoToolchain.Version;

    private static (string Server, string Stripped, string Plain) Require()
    {
        GoToolchain.Go();
        return Built.Value;
    }

    private static (string Server, string Stripped, string Plain) Build()
    {
        string dir = Directory.CreateTempSubdirectory("capture-go-").FullName;
        File.WriteAllText(Path.Combine(dir, "server.go"), HttpsServer);
        File.WriteAllText(Path.Combine(dir, "plain.go"), Plain);
        string server = Path.Combine(dir, "server"), stripped = Path.Combine(dir, "server-stripped"), plain = Path.Combine(dir, "plain");
        GoToolchain.Build(Path.Combine(dir, "server.go"), server);
        GoToolchain.Build(Path.Combine(dir, "server.go"), stripped, "-ldflags=-s -w");
        GoToolchain.Build(Path.Combine(dir, "plain.go"), plain);
        return (server, stripped, plain);
    }

    public static string Run(string file, string directory, params string[] args) => GoToolchain.Run(file, directory, args);
}
