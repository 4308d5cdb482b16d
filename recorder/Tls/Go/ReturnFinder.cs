using Iced.Intel;

namespace Capture.Recorder.Tls.Go;

/// <summary>
/// The addresses of every return instruction of a function. Go's stacks move (they grow by being
/// copied), which breaks the return-address trampoline a uretprobe plants, so a Go function's
/// return is observed with a plain uprobe on each of its RET instructions instead.
/// </summary>
internal static class ReturnFinder
{
    public static IReadOnlyList<ulong> Returns(byte[] code, ulong start)
    {
        var decoder = Decoder.Create(64, new ByteArrayCodeReader(code), start);
        ulong end = start + (ulong)code.Length;
        var returns = new List<ulong>();
        while (decoder.IP < end)
        {
            decoder.Decode(out Instruction instruction);
            if (instruction.IsInvalid)
                break; // padding after the last instruction, or data: nothing past it is this function's code
            if (instruction.FlowControl == FlowControl.Return)
                returns.Add(instruction.IP);
        }
        return returns;
    }
}
