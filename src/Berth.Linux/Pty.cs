using System.Runtime.InteropServices;

namespace Berth.Linux;

/// <summary>
/// Pseudo-terminals. A container's terminal is made inside the container, on its own devpts instance (so `tty`
/// there prints /dev/pts/0, as with runc); the master is then taken by the shim with pidfd_getfd.
/// </summary>
public static unsafe class Pty
{
    /// <summary>Opens a new master at <paramref name="ptmx"/> (close-on-exec) and unlocks its peer.</summary>
    public static SafeFd OpenMaster(string ptmx = "/dev/ptmx")
    {
        var master = Fs.Open(ptmx, LibC.O_RDWR | LibC.O_NOCTTY | LibC.O_CLOEXEC);
        int unlock = 0;
        Sys.Check(LibC.ioctl(master.Fd, LibC.TIOCSPTLCK, &unlock), "ioctl(TIOCSPTLCK)", ptmx);
        return master;
    }

    /// <summary>Opens the master's peer without a path lookup (TIOCGPTPEER), so nothing planted in /dev/pts can
    /// stand in for it.</summary>
    public static SafeFd OpenPeer(SafeFd master) =>
        new(Sys.Check(LibC.ioctl(master.Fd, LibC.TIOCGPTPEER, (void*)(LibC.O_RDWR | LibC.O_NOCTTY)), "ioctl(TIOCGPTPEER)"));

    /// <summary>The peer's number in its devpts instance: /dev/pts/N.</summary>
    public static int PeerNumber(SafeFd master)
    {
        int n;
        Sys.Check(LibC.ioctl(master.Fd, LibC.TIOCGPTN, &n), "ioctl(TIOCGPTN)");
        return n;
    }

    public static void SetSize(SafeFd tty, ushort rows, ushort columns)
    {
        var size = new WinSize { Rows = rows, Columns = columns };
        Sys.Check(LibC.ioctl(tty.Fd, LibC.TIOCSWINSZ, &size), "ioctl(TIOCSWINSZ)");
    }

    /// <summary>Starts a new session and makes <paramref name="tty"/> its controlling terminal.</summary>
    public static void BecomeControllingTerminal(SafeFd tty)
    {
        Sys.Check(LibC.setsid(), "setsid");
        Sys.Check(LibC.ioctl(tty.Fd, LibC.TIOCSCTTY, null), "ioctl(TIOCSCTTY)");
    }

    /// <summary>A copy of file descriptor <paramref name="fd"/> of the process behind <paramref name="pidfd"/>.</summary>
    public static SafeFd TakeFd(SafeFd pidfd, int fd) =>
        new(Sys.Check(LibC.pidfd_getfd(pidfd.Fd, fd), "pidfd_getfd"));

    [StructLayout(LayoutKind.Sequential)]
    private struct WinSize
    {
        public ushort Rows;
        public ushort Columns;
        public ushort XPixels;
        public ushort YPixels;
    }
}
