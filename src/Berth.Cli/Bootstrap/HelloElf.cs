using System.Buffers.Binary;
using System.Text;

namespace Berth.Cli.Bootstrap;

/// <summary>
/// The <c>/hello</c> of the hello-world image: a static x86-64 ELF of a few hundred bytes that writes the greeting
/// with write(2) and leaves with exit(0) — no libc, no loader, like Docker's own hello-world.
/// </summary>
internal static class HelloElf
{
    private const ulong BaseAddress = 0x400000;
    private const int HeaderSize = 64 + 56; // ELF header + one program header

    public const string Message = """

        Hello from Berth!
        This message shows that your installation appears to be working correctly.

        To generate this message, Berth took the following steps:
         1. The docker (or berth) client contacted the berthd daemon.
         2. The berthd daemon found the "hello-world" image, built on this machine
            (no registry was needed).
         3. The berthd daemon created a new container from that image, in its own
            namespaces and cgroup, which runs the executable that produced the
            output you are currently reading.
         4. The berthd daemon streamed that output to the client, which sent it
            to your terminal.

        To try something more ambitious, you can run a shell with:
         $ docker run -it busybox sh

        For more examples and ideas, see the docs/ directory of the Berth repository.


        """;

    public static byte[] Build()
    {
        var message = Encoding.ASCII.GetBytes(Message.Replace("\r\n", "\n", StringComparison.Ordinal));
        // mov eax,1 ; mov edi,1 ; lea rsi,[rip+16] ; mov edx,len ; syscall ; mov eax,60 ; xor edi,edi ; syscall
        var code = new List<byte> { 0xb8, 1, 0, 0, 0, 0xbf, 1, 0, 0, 0, 0x48, 0x8d, 0x35, 16, 0, 0, 0, 0xba };
        code.AddRange(BitConverter.GetBytes((uint)message.Length));
        code.AddRange([0x0f, 0x05, 0xb8, 60, 0, 0, 0, 0x31, 0xff, 0x0f, 0x05]);
        var file = new byte[HeaderSize + code.Count + message.Length];
        var s = file.AsSpan();
        // e_ident: magic, 64-bit, little-endian, version 1, System V ABI.
        "\x7f"u8.CopyTo(s);
        "ELF"u8.CopyTo(s[1..]);
        s[4] = 2;
        s[5] = 1;
        s[6] = 1;
        BinaryPrimitives.WriteUInt16LittleEndian(s[16..], 2);       // e_type: ET_EXEC
        BinaryPrimitives.WriteUInt16LittleEndian(s[18..], 0x3e);    // e_machine: x86-64
        BinaryPrimitives.WriteUInt32LittleEndian(s[20..], 1);       // e_version
        BinaryPrimitives.WriteUInt64LittleEndian(s[24..], BaseAddress + HeaderSize); // e_entry
        BinaryPrimitives.WriteUInt64LittleEndian(s[32..], 64);      // e_phoff
        BinaryPrimitives.WriteUInt16LittleEndian(s[52..], 64);      // e_ehsize
        BinaryPrimitives.WriteUInt16LittleEndian(s[54..], 56);      // e_phentsize
        BinaryPrimitives.WriteUInt16LittleEndian(s[56..], 1);       // e_phnum
        var ph = s[64..];
        BinaryPrimitives.WriteUInt32LittleEndian(ph, 1);            // PT_LOAD
        BinaryPrimitives.WriteUInt32LittleEndian(ph[4..], 5);       // PF_R | PF_X
        BinaryPrimitives.WriteUInt64LittleEndian(ph[16..], BaseAddress);
        BinaryPrimitives.WriteUInt64LittleEndian(ph[24..], BaseAddress);
        BinaryPrimitives.WriteUInt64LittleEndian(ph[32..], (ulong)file.Length);
        BinaryPrimitives.WriteUInt64LittleEndian(ph[40..], (ulong)file.Length);
        BinaryPrimitives.WriteUInt64LittleEndian(ph[48..], 0x1000);
        code.ToArray().CopyTo(s[HeaderSize..]);
        message.CopyTo(s[(HeaderSize + code.Count)..]);
        return file;
    }
}
