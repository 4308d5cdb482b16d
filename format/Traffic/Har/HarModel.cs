using Capture.Format.Records;

namespace Capture.Traffic.Har;

// The HAR 1.2 object model (http://www.softwareishard.com/blog/har-12-spec/), plain and mutable so that
// the reader can fill it from any HAR file and the replay can use it as input. Optional fields are null.
// Fields starting with an underscore in the JSON are custom fields this tool adds (see HarEntry).

internal sealed class HarLog
{
    public string Version { get; set; } = "1.2";
    public HarCreator Creator { get; set; } = new();
    public HarCreator? Browser { get; set; }
    public List<HarPage> Pages { get; set; } = [];
    public List<HarEntry> Entries { get; set; } = [];
    public string? Comment { get; set; }
}

internal sealed class HarCreator
{
    public string Name { get; set; } = "";
    public string Version { get; set; } = "";
    public string? Comment { get; set; }
}

internal sealed class HarPage
{
    public DateTimeOffset StartedDateTime { get; set; }
    public string Id { get; set; } = "";
    public string Title { get; set; } = "";
    public double? OnContentLoad { get; set; }
    public double? OnLoad { get; set; }
    public string? Comment { get; set; }
}

internal sealed class HarEntry
{
    public string? PageRef { get; set; }
    public DateTimeOffset StartedDateTime { get; set; }
    /// <summary>Total elapsed ms: the sum of the non-negative timings.</summary>
    public double Time { get; set; }
    public HarRequest Request { get; set; } = new();
    public HarResponse Response { get; set; } = new();
    public HarTimings Timings { get; set; } = new();
    public string? ServerIPAddress { get; set; }
    public string? Connection { get; set; }
    public string? Comment { get; set; }

    // Custom fields ("_pid" ...): what the capture knows and HAR has no slot for. Null when not known.
    public int? Pid { get; set; }
    public string? Process { get; set; }
    /// <summary>The recording host ("_host"): the capture header's, or in a merged capture the connection's own.</summary>
    public string? Host { get; set; }
    public ulong? ConnectionId { get; set; }
    /// <summary>Where the process lived ("_container", "_pod", "_netns", "_cgroup"), when the recording knew.</summary>
    public ContainerContext? Container { get; set; }
    /// <summary>The other end's process when both ends of the connection were traced ("_peerPid", "_peerProcess").</summary>
    public int? PeerPid { get; set; }
    public string? PeerProcess { get; set; }
    /// <summary>Some bytes of the exchange were never captured, or a side of it was lost.</summary>
    public bool? Incomplete { get; set; }
    public long? GapBytes { get; set; }
    /// <summary>A message ended before its framing said it would (connection closed, end of capture, body size limit).</summary>
    public bool? Truncated { get; set; }
    /// <summary>The bytes did not parse as HTTP/1.x.</summary>
    public bool? Malformed { get; set; }
    /// <summary>The connection switched protocols (101) or became a CONNECT tunnel after this exchange.</summary>
    public bool? Upgraded { get; set; }
    /// <summary>The HTTP/2 stream id ("_stream"); null for HTTP/1.x.</summary>
    public int? Stream { get; set; }
    /// <summary>Some HTTP/2 header fields referred to HPACK entries older than the recording and are missing ("_hpackIncomplete").</summary>
    public bool? HpackIncomplete { get; set; }
    /// <summary>RST_STREAM ended the stream ("_streamReset"): the error name and who sent it, e.g. "CANCEL by client".</summary>
    public string? StreamReset { get; set; }
    /// <summary>The gRPC call ("_grpc") when the exchange carried application/grpc.</summary>
    public HarGrpc? Grpc { get; set; }

    /// <summary>Gives back the temporary files of spilled bodies once the entry is written.</summary>
    internal void ReleaseBodies()
    {
        Request.PostData?._body.Release();
        Response.Content._body.Release();
    }
}

internal sealed class HarRequest
{
    public string Method { get; set; } = "";
    public string Url { get; set; } = "";
    public string HttpVersion { get; set; } = "";
    public List<HarCookie> Cookies { get; set; } = [];
    public List<HarNameValue> Headers { get; set; } = [];
    public List<HarNameValue> QueryString { get; set; } = [];
    public HarPostData? PostData { get; set; }
    /// <summary>Bytes from the request line through the blank line; -1 when unknown.</summary>
    public long HeadersSize { get; set; } = -1;
    /// <summary>Body bytes as sent (content-encoded, without chunk framing); -1 when unknown.</summary>
    public long BodySize { get; set; } = -1;
    public string? Comment { get; set; }
}

internal sealed class HarResponse
{
    /// <summary>0 when no response was seen.</summary>
    public int Status { get; set; }
    public string StatusText { get; set; } = "";
    public string HttpVersion { get; set; } = "";
    public List<HarCookie> Cookies { get; set; } = [];
    public List<HarNameValue> Headers { get; set; } = [];
    public HarContent Content { get; set; } = new();
    public string RedirectUrl { get; set; } = "";
    public long HeadersSize { get; set; } = -1;
    public long BodySize { get; set; } = -1;
    public string? Comment { get; set; }
    /// <summary>Why a browser gave up on the exchange ("_error", e.g. net::ERR_ABORTED). Read from browser exports; this tool does not write it.</summary>
    public string? Error { get; set; }
}

/// <summary>A header or query parameter. A value type: entries carry dozens of them.</summary>
internal readonly record struct HarNameValue(string Name, string Value)
{
    public string? Comment { get; init; }
}

internal sealed class HarCookie
{
    public string Name { get; set; } = "";
    public string Value { get; set; } = "";
    public string? Path { get; set; }
    public string? Domain { get; set; }
    /// <summary>ISO 8601 date-time, as HAR wants it.</summary>
    public string? Expires { get; set; }
    public bool? HttpOnly { get; set; }
    public bool? Secure { get; set; }
    public string? Comment { get; set; }
}

internal sealed class HarPostData
{
    public string MimeType { get; set; } = "";
    public List<HarParam> Params { get; set; } = [];
    public string? Text { get => _body.Text; set => _body.Text = value; }
    /// <summary>"base64" when <see cref="Text"/> holds binary data (written as the custom field "_encoding", since HAR 1.2 has no slot for it here).</summary>
    public string? Encoding { get; set; }
    public string? Comment { get; set; }

    internal LazyBodyText _body;
}

internal sealed class HarParam
{
    public string Name { get; set; } = "";
    public string? Value { get; set; }
    public string? FileName { get; set; }
    public string? ContentType { get; set; }
    public string? Comment { get; set; }
}

internal sealed class HarContent
{
    /// <summary>Length of the body after content decoding; -1 when unknown (the file had no content object).</summary>
    public long Size { get; set; }
    /// <summary>Bytes saved by content encoding (Size minus the encoded length).</summary>
    public long? Compression { get; set; }
    public string MimeType { get; set; } = "";
    public string? Text { get => _body.Text; set => _body.Text = value; }
    /// <summary>"base64" for binary bodies.</summary>
    public string? Encoding { get; set; }
    public string? Comment { get; set; }

    internal LazyBodyText _body;
}

/// <summary>Milliseconds; -1 where the phase does not apply or was not observed.</summary>
internal sealed class HarTimings
{
    public double Blocked { get; set; } = -1;
    public double Dns { get; set; } = -1;
    public double Connect { get; set; } = -1;
    public double Send { get; set; }
    public double Wait { get; set; }
    public double Receive { get; set; }
    public double Ssl { get; set; } = -1;
    public string? Comment { get; set; }

    /// <summary>The entry's total time: the sum of the phases that apply (ssl is already inside connect).</summary>
    public double Total() => Math.Max(Blocked, 0) + Math.Max(Dns, 0) + Math.Max(Connect, 0) + Send + Wait + Receive;
}
