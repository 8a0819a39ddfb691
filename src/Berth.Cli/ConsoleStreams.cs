using System.Text;
using Microsoft.Win32.SafeHandles;

namespace Berth.Cli;

/// <summary>The process's stdin, stdout and stderr as raw streams (no TextWriter, no console setup), replaceable in tests.</summary>
internal sealed class ConsoleStreams(Stream input, Stream output, Stream error, bool inIsTerminal, bool outIsTerminal)
{
    public Stream In { get; } = input;
    public Stream Out { get; } = output;
    public Stream Err { get; } = error;
    public bool InIsTerminal { get; } = inIsTerminal;
    public bool OutIsTerminal { get; } = outIsTerminal;

    /// <summary>
    /// The standard descriptors as plain unbuffered streams. Console.OpenStandard* would initialize .NET's terminal
    /// support, which writes the keypad escape (ESC [?1h ESC =) to a terminal before our first byte; a FileStream
    /// does not, but on a regular file it writes with pwrite at its own offset and leaves the shared file offset
    /// behind (later writers of the same file then overwrite us). So: FileStream for terminals and pipes, the
    /// console stream (write(2)) for files, with TERM hidden from .NET so it finds no keypad string to send.
    /// </summary>
    public static ConsoleStreams System() => new(
        Fd(0, FileAccess.Read),
        Fd(1, FileAccess.Write),
        Fd(2, FileAccess.Write),
        !Console.IsInputRedirected,
        !Console.IsOutputRedirected);

    private static Stream Fd(int fd, FileAccess access)
    {
        FileStream fs;
        try
        {
            fs = new FileStream(new SafeFileHandle(fd, ownsHandle: false), access, bufferSize: 0);
        }
        catch (Exception e) when (e is IOException or ArgumentException or UnauthorizedAccessException)
        {
            // A closed descriptor: behave like /dev/null.
            return Stream.Null;
        }
        if (access == FileAccess.Read || !fs.CanSeek)
        {
            return fs;
        }
        fs.Dispose();
        if (Environment.GetEnvironmentVariable("TERM") is { } term)
        {
            SavedTerm = term;
            Environment.SetEnvironmentVariable("TERM", null);
        }
        return fd == 1 ? Console.OpenStandardOutput() : Console.OpenStandardError();
    }

    /// <summary>TERM as berth was started with (hidden from .NET's console code, see <see cref="System"/>).</summary>
    public static string? SavedTerm { get; private set; }

    public void Write(string text)
    {
        if (text.Length > 0)
        {
            Out.Write(Encoding.UTF8.GetBytes(text));
            Out.Flush();
        }
    }

    public void WriteLine(string text) => Write(text + "\n");

    public void ErrorLine(string text)
    {
        Err.Write(Encoding.UTF8.GetBytes(text + "\n"));
        Err.Flush();
    }
}
