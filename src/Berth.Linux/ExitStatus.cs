namespace Berth.Linux;

/// <summary>How a process ended, decoded from a wait(2) status.</summary>
public readonly record struct ExitStatus(int Code, int Signal)
{
    public static ExitStatus FromWaitStatus(int status)
    {
        var sig = status & 0x7f;
        return sig == 0 ? new ExitStatus((status >> 8) & 0xff, 0) : new ExitStatus(128 + sig, sig);
    }

    public bool Signaled => Signal != 0;
}
