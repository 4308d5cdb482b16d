namespace Capture.Recorder.Tests;

/// <summary>
/// The recorder counts requests (progress, summary) by the same starts the kernel program lets through:
/// this compiles bpf/http_classify.h with clang, runs the kernel's classify_http on candidate first
/// bytes, and compares with <see cref="HttpStart"/>.
/// </summary>
public class HttpStartAgreementTests
{
    private static readonly string[] Candidates =
    [
        "GET / HTTP/1.1", "PUT /a HTTP/1.1", "POST /a HTTP/1.1", "HEAD / HTTP/1.0", "PATCH /a HTTP/1.1",
        "TRACE / HTTP/1.1", "DELETE /a HTTP/1.1", "OPTIONS * HTTP/1.1", "CONNECT h:443 HTTP/1.1",
        "get / HTTP/1.1", "GETX / HTTP/1.1", "PROPFIND / HTTP/1.1", "POSTS /", "HTTP/1.1 200 OK", "HTTP/2 200",
        "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "\u0016\u0003\u0001\u0002\u0000", "SSH-2.0-OpenSSH", "",
    ];

    [Fact]
    public void The_recorder_counts_as_a_request_exactly_what_the_kernel_classifies_as_one_except_the_HTTP2_preface()
    {
        Dictionary<string, int> kernel = KernelClassification();
        foreach (string candidate in Candidates)
        {
            bool kernelRequest = kernel[candidate] == 1; // HTTP_REQUEST
            bool preface = candidate.StartsWith("PRI * HT", StringComparison.Ordinal); // a connection start, not a request
            Assert.True((kernelRequest && !preface) == HttpStart.IsRequestLine(System.Text.Encoding.ASCII.GetBytes(candidate)),
                $"kernel and recorder disagree on {candidate.Replace("\r\n", "\\r\\n")}");
        }
        Assert.Equal(2, kernel["HTTP/1.1 200 OK"]); // HTTP_RESPONSE: the program really ran
    }

    private static Dictionary<string, int> KernelClassification()
    {
        string header = Path.Combine(StructLayoutTests.RepositoryRoot(), "bpf", "http_classify.h");
        Assert.True(File.Exists(header), $"{header} is missing");
        var program = new System.Text.StringBuilder("#include <stdio.h>\n#include <string.h>\n#include \"http_classify.h\"\n");
        program.AppendLine("int main(int argc, char **argv) { for (int i = 1; i < argc; i++) { __u64 w = 0; size_t n = strlen(argv[i]);");
        program.AppendLine("memcpy(&w, argv[i], n < 8 ? n : 8); printf(\"%d\\n\", classify_http(w)); } return 0; }");
        string dir = Directory.CreateTempSubdirectory("capture-classify-").FullName;
        try
        {
            string source = Path.Combine(dir, "classify.c"), binary = Path.Combine(dir, "classify");
            File.WriteAllText(source, program.ToString());
            StructLayoutTests.Run("clang", "-Wall", "-Werror", "-I", Path.GetDirectoryName(header)!, source, "-o", binary);
            string[] results = StructLayoutTests.Run(binary, Candidates).Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(Candidates.Length, results.Length);
            return Candidates.Select((c, i) => (c, int.Parse(results[i], System.Globalization.CultureInfo.InvariantCulture)))
                .ToDictionary(p => p.c, p => p.Item2);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
