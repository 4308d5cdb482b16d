namespace Capture.Traffic.Grpc;

/// <summary>One length-prefixed gRPC message: the compressed flag and the message bytes as sent (compressed when flagged).</summary>
internal readonly record struct GrpcMessage(bool Compressed, ReadOnlyMemory<byte> Data);
