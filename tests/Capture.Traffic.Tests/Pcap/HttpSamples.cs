namespace Capture.Traffic.Tests.Pcap;

/// <summary>HTTP/1.1 messages shaped like what curl, python's http.server, nginx and Kestrel put on the wire.</summary>
internal static class HttpSamples
{
    private const string Date = "Date: Mon, 24 Nov 2025 16:00:00 GMT\r\n";

    public static string CurlGet(string path, string host = "127.0.0.1:8000") =>
        $"GET {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n";

    public static string CurlPost(string path, string body, string host = "127.0.0.1:8080") =>
        $"POST {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\n" +
        $"Content-Type: application/json\r\nContent-Length: {body.Length}\r\n\r\n{body}";

    /// <summary>python3 -m http.server writes the head in one call and the file in another.</summary>
    public static string PythonHead(int contentLength) =>
        "HTTP/1.0 200 OK\r\nServer: SimpleHTTP/0.6 Python/3.11.2\r\n" + Date +
        $"Content-type: text/html\r\nContent-Length: {contentLength}\r\nLast-Modified: Mon, 24 Nov 2025 15:00:00 GMT\r\n\r\n";

    public static string NginxOk(string body) =>
        "HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\n" + Date +
        $"Content-Type: text/html\r\nContent-Length: {body.Length}\r\nConnection: keep-alive\r\nETag: \"6924a0c0-{body.Length:x}\"\r\n\r\n{body}";

    public static string NginxNotModified() =>
        "HTTP/1.1 304 Not Modified\r\nServer: nginx/1.22.1\r\n" + Date + "Connection: keep-alive\r\nETag: \"6924a0c0-2a\"\r\n\r\n";

    public static string NginxNotFound() =>
        "HTTP/1.1 404 Not Found\r\nServer: nginx/1.22.1\r\n" + Date +
        "Content-Type: text/html\r\nContent-Length: 153\r\nConnection: keep-alive\r\n\r\n" +
        "<html>\r\n<head><title>404 Not Found</title></head>\r\n<body>\r\n<center><h1>404 Not Found</h1></center>\r\n<hr><center>nginx/1.22.1</center>\r\n</body>\r\n</html>\r\n";

    public static string KestrelCreatedChunkedHead() =>
        "HTTP/1.1 201 Created\r\nContent-Type: application/json; charset=utf-8\r\n" + Date +
        "Server: Kestrel\r\nLocation: /orders/17\r\nTransfer-Encoding: chunked\r\n\r\n";

    public static string Chunk(string data) => $"{data.Length:x}\r\n{data}\r\n";

    public const string LastChunk = "0\r\n\r\n";

    public static string Html(int length)
    {
        const string line = "<p>The quick brown fox jumps over the lazy dog.</p>\n";
        var text = new System.Text.StringBuilder(length);
        while (text.Length < length)
            text.Append(line);
        return text.ToString(0, length);
    }
}
