namespace Capture.Traffic.Http;

/// <summary>Interned strings for the usual methods and versions, so parsing them allocates nothing.</summary>
internal static class HttpMethodNames
{
    public static string Get(ReadOnlySpan<byte> method) => method switch
    {
        _ when method.SequenceEqual("GET"u8) => "GET",
        _ when method.SequenceEqual("POST"u8) => "POST",
        _ when method.SequenceEqual("PUT"u8) => "PUT",
        _ when method.SequenceEqual("DELETE"u8) => "DELETE",
        _ when method.SequenceEqual("HEAD"u8) => "HEAD",
        _ when method.SequenceEqual("PATCH"u8) => "PATCH",
        _ when method.SequenceEqual("OPTIONS"u8) => "OPTIONS",
        _ when method.SequenceEqual("CONNECT"u8) => "CONNECT",
        _ => System.Text.Encoding.ASCII.GetString(method),
    };

    public static string Version(ReadOnlySpan<byte> version) => version[7] switch
    {
        (byte)'1' => "HTTP/1.1",
        (byte)'0' => "HTTP/1.0",
        _ => System.Text.Encoding.ASCII.GetString(version),
    };
}
