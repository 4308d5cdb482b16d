namespace Capture.Traffic.Har;

/// <summary>
/// The custom "_grpc" object of an entry that carried gRPC: the call's service and method, each
/// length-prefixed message of both sides, and the status from the trailers.
/// </summary>
public sealed class HarGrpc
{
    /// <summary>"package.Service".</summary>
    public string Service { get; set; } = "";
    public string Method { get; set; } = "";
    /// <summary>grpc-status (0 = OK); null when no trailers were seen.</summary>
    public int? Status { get; set; }
    /// <summary>grpc-message, percent-decoded.</summary>
    public string? Message { get; set; }
    public string? RequestEncoding { get; set; }
    public string? ResponseEncoding { get; set; }
    public List<HarGrpcMessage> RequestMessages { get; set; } = [];
    public List<HarGrpcMessage> ResponseMessages { get; set; } = [];
    /// <summary>Why a body did not split into whole messages (gap, body limit, reset), if it did not.</summary>
    public string? RequestFramingError { get; set; }
    public string? ResponseFramingError { get; set; }
}

/// <summary>One gRPC message: its bytes as sent (base64), whether they are compressed, and with a descriptor set the message as JSON.</summary>
public sealed class HarGrpcMessage
{
    public bool Compressed { get; set; }
    /// <summary>The message bytes, base64.</summary>
    public string Data { get; set; } = "";
    /// <summary>The message in the proto3 JSON mapping (raw JSON text), when a descriptor set knew its type.</summary>
    public string? Json { get; set; }
}
