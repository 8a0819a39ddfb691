using System.Runtime.InteropServices;

namespace Berth.Linux;

/// <summary>
/// nftables through libnftables, in the daemon's own process: a whole batch of commands is one netlink
/// transaction, so a ruleset is replaced atomically and no <c>nft</c> process is forked per change.
/// </summary>
public sealed partial class Nftables : IDisposable
{
    private const string Lib = "libnftables.so.1";
    private const uint OutputHandle = 1 << 3;

    private readonly Lock _lock = new();
    private nint _ctx;

    private Nftables(nint ctx) => _ctx = ctx;

    /// <summary>Opens a context, or says that nftables' library is missing (Debian package <c>libnftables1</c>).</summary>
    public static Nftables Open()
    {
        nint ctx;
        try
        {
            ctx = nft_ctx_new(0);
        }
        catch (DllNotFoundException e)
        {
            throw new IOException("nftables is not available: install Debian's nftables package (libnftables1)", e);
        }
        if (ctx == 0)
        {
            throw new IOException("nft_ctx_new failed");
        }
        nft_ctx_buffer_output(ctx);
        nft_ctx_buffer_error(ctx);
        return new Nftables(ctx);
    }

    /// <summary>Runs commands in nft's language as one transaction; returns what nft printed. Throws with nft's
    /// own error text when the kernel refused the batch (then nothing of it was applied).</summary>
    /// <param name="check">Only validate the batch with the kernel (nft's <c>-c</c>); nothing changes.</param>
    public string Run(string commands, bool handles = false, bool check = false)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_ctx == 0, this);
            nft_ctx_output_set_flags(_ctx, handles ? OutputHandle : 0);
            nft_ctx_set_dry_run(_ctx, check ? (byte)1 : (byte)0);
            var rc = nft_run_cmd_from_buffer(_ctx, commands);
            var output = Marshal.PtrToStringUTF8(nft_ctx_get_output_buffer(_ctx)) ?? "";
            var error = Marshal.PtrToStringUTF8(nft_ctx_get_error_buffer(_ctx)) ?? "";
            if (rc != 0)
            {
                throw new NftablesException(error.Trim());
            }
            return output;
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            if (_ctx != 0)
            {
                nft_ctx_free(_ctx);
                _ctx = 0;
            }
        }
    }

    [LibraryImport(Lib)]
    private static partial nint nft_ctx_new(uint flags);

    [LibraryImport(Lib)]
    private static partial void nft_ctx_free(nint ctx);

    [LibraryImport(Lib)]
    private static partial int nft_ctx_buffer_output(nint ctx);

    [LibraryImport(Lib)]
    private static partial int nft_ctx_buffer_error(nint ctx);

    [LibraryImport(Lib)]
    private static partial nint nft_ctx_get_output_buffer(nint ctx);

    [LibraryImport(Lib)]
    private static partial nint nft_ctx_get_error_buffer(nint ctx);

    [LibraryImport(Lib)]
    private static partial void nft_ctx_output_set_flags(nint ctx, uint flags);

    [LibraryImport(Lib)]
    private static partial void nft_ctx_set_dry_run(nint ctx, byte dry);

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int nft_run_cmd_from_buffer(nint ctx, string buffer);
}

/// <summary>A batch nftables refused, with nft's message.</summary>
public sealed class NftablesException(string message) : IOException("nftables: " + message);
