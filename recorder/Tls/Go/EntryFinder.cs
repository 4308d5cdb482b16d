using Iced.Intel;

namespace Capture.Recorder.Tls.Go;

/// <summary>
/// Where a Go function's entry probe goes. Its first instructions are the stack check
/// (`[LEAQ -N(SP), R12;] CMPQ 16(R14), SP|R12; JBE grow`): a uprobe on the CMP or LEA makes the kernel
/// single-step the instruction out of line, which costs several times more under a hypervisor than the
/// branch, which x86 uprobes emulate. The check changes no argument register (RAX, RBX, RCX) nor R14, and a
/// function that grows its stack restarts from its first instruction, so the branch sees the same
/// arguments the entry would, each time the function starts.
/// </summary>
internal static class EntryFinder
{
    /// <summary>The address of the stack check's conditional branch, or <paramref name="start"/> when the function does not begin with one.</summary>
    public static ulong ProbeAddress(byte[] code, ulong start)
    {
        var decoder = Decoder.Create(64, new ByteArrayCodeReader(code), start);
        ulong end = start + (ulong)code.Length;
        for (int i = 0; i < 3 && decoder.IP < end; i++)
        {
            decoder.Decode(out Instruction instruction);
            if (instruction.FlowControl == FlowControl.ConditionalBranch)
                return instruction.IP;
            bool stackCheck = instruction.Mnemonic == Mnemonic.Cmp
                || (instruction.Mnemonic == Mnemonic.Lea && instruction.Op0Register == Register.R12);
            if (!stackCheck)
                break;
        }
        return start;
    }
}
