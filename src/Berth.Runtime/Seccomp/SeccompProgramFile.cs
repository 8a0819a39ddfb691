using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Berth.Common;
using Berth.Linux;
using Berth.Oci;

namespace Berth.Runtime.Seccomp;

/// <summary>
/// A compiled filter kept beside a bundle's config.json (<c>seccomp.bpf</c>), so that an init or exec loads the
/// program instead of compiling Docker's default profile again (1.5 ms of every start and exec). The engine compiles
/// each profile once, writes the program into every bundle that uses it and names it in config.json's annotation
/// <see cref="Annotation"/>; the file starts with the same name. The init compares the two and compiles for itself
/// when the file is missing or names another filter, so a bundle without one (runc's, a user's) works as before.
/// Comparing names, not hashing the filter in the init: hashing costs more there than compiling (the first JSON
/// serialization and crypto load of a fresh process).
/// </summary>
/// <remarks>Layout: the name (32 bytes), the flags (u32), then the instructions as <c>struct sock_filter</c>.</remarks>
public static class SeccompProgramFile
{
    public const string FileName = "seccomp.bpf";

    /// <summary>The config.json annotation whose value (64 hex digits) names the program in <see cref="FileName"/>.</summary>
    public const string Annotation = "io.berth.seccomp.program";

    private const int NameSize = 32, Header = NameSize + 4;
    private static readonly int InstructionSize = Marshal.SizeOf<LibC.SockFilter>();

    public static void Write(string path, string name, SeccompProgram program)
    {
        var bytes = new byte[Header + (program.Instructions.Length * InstructionSize)];
        Convert.FromHexString(name).CopyTo(bytes, 0);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(NameSize), program.Flags);
        MemoryMarshal.AsBytes(program.Instructions.AsSpan()).CopyTo(bytes.AsSpan(Header));
        AtomicFile.Write(path, bytes, durable: false);
    }

    /// <summary>The program in <paramref name="path"/> when it is the one <paramref name="name"/> names; otherwise
    /// <paramref name="seccomp"/> compiled now.</summary>
    public static SeccompProgram Load(string path, string? name, LinuxSeccomp seccomp)
    {
        if (name is not { Length: NameSize * 2 } || !TryRead(path, out var bytes))
        {
            return SeccompCompiler.Compile(seccomp);
        }
        Span<byte> expected = stackalloc byte[NameSize];
        var body = bytes.Length - Header;
        if (Convert.FromHexString(name, expected, out _, out var written) != System.Buffers.OperationStatus.Done || written != NameSize
            || body <= 0 || body % InstructionSize != 0 || !bytes.AsSpan(0, NameSize).SequenceEqual(expected))
        {
            return SeccompCompiler.Compile(seccomp);
        }
        var instructions = MemoryMarshal.Cast<byte, LibC.SockFilter>(bytes.AsSpan(Header)).ToArray();
        return new SeccompProgram(instructions, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(NameSize)));
    }

    private static bool TryRead(string path, out byte[] bytes)
    {
        try
        {
            bytes = File.ReadAllBytes(path);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            bytes = [];
            return false;
        }
    }
}
