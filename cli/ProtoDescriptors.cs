using Capture.Traffic.Grpc;

namespace Capture.Cli;

/// <summary>Reads a --proto-descriptors file (protoc --include_imports --descriptor_set_out=FILE); exit 3 with one sentence when it is missing or not a descriptor set.</summary>
internal static class ProtoDescriptors
{
    public static ProtobufJson Load(string path)
    {
        byte[] bytes = File.ReadAllBytes(InputFile.Require(path, "a protobuf descriptor set"));
        try
        {
            return ProtobufJson.Load(bytes);
        }
        catch (FormatException e)
        {
            throw new UserError($"{path} is {e.Message.TrimEnd('.')}.", ExitCodes.BadInput);
        }
    }
}
