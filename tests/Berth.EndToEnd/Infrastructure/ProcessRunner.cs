using System.Diagnostics;

namespace Berth.EndToEnd.Infrastructure;

/// <summary>
/// Runs a program to completion and captures what it printed. Every run has a deadline: a program that outlives it
/// is killed (with its children) and the test fails, so a hang never hangs the suite.
/// </summary>
internal static class ProcessRunner
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    // A caller's docker settings must not leak into the runs: every client talks to the daemon it is given.
    private static readonly string[] InheritedClientVariables =
        ["DOCKER_HOST", "DOCKER_CONTEXT", "DOCKER_CONFIG", "DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH", "DOCKER_API_VERSION"];

    public static CommandResult Run(string file, IReadOnlyList<string> args, IReadOnlyDictionary<string, string>? environment = null,
        string? stdinFile = null, TimeSpan? timeout = null)
    {
        var start = new ProcessStartInfo(file)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        foreach (var name in InheritedClientVariables)
        {
            start.Environment.Remove(name);
        }
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }
        var commandLine = string.Join(' ', new[] { Path.GetFileName(file) }.Concat(args).Select(Quote)) + (stdinFile is null ? "" : " < " + stdinFile);
        var limit = timeout ?? DefaultTimeout;

        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {file}");
        var stdout = new MemoryStream();
        var stdoutRead = process.StandardOutput.BaseStream.CopyToAsync(stdout);
        var stderrRead = process.StandardError.ReadToEndAsync();
        var stdinWrite = Task.Run(() => FeedStdin(process, stdinFile));
        if (!process.WaitForExit(limit))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(TimeSpan.FromSeconds(5));
            Task.WaitAll([stdoutRead, stderrRead], TimeSpan.FromSeconds(2));
            throw new TimeoutException($"`{commandLine}` did not finish within {limit.TotalSeconds:F0} s and was killed\n" +
                $"[stdout so far]\n{Snapshot(stdout, stdoutRead)}\n[stderr so far]\n{(stderrRead.IsCompletedSuccessfully ? stderrRead.Result : "")}");
        }
        var elapsed = clock.Elapsed;
        if (!Task.WaitAll([stdoutRead, stderrRead, stdinWrite], TimeSpan.FromSeconds(10)))
        {
            throw new TimeoutException($"`{commandLine}` exited with {process.ExitCode} but its output stayed open for 10 s (a child holds it)");
        }
        return new CommandResult(commandLine, process.ExitCode, stdout.ToArray(), stderrRead.Result, elapsed);
    }

    private static void FeedStdin(Process process, string? stdinFile)
    {
        try
        {
            if (stdinFile is not null)
            {
                using var input = File.OpenRead(stdinFile);
                input.CopyTo(process.StandardInput.BaseStream);
            }
        }
        catch (IOException)
        {
            // The program stopped reading: its exit code and stderr tell why.
        }
        finally
        {
            try
            {
                process.StandardInput.Close();
            }
            catch (IOException)
            {
            }
        }
    }

    private static string Snapshot(MemoryStream stdout, Task copy) =>
        copy.IsCompleted ? System.Text.Encoding.UTF8.GetString(stdout.ToArray()) : "(still being read)";

    private static string Quote(string arg) =>
        arg.Length > 0 && arg.All(c => char.IsAsciiLetterOrDigit(c) || "-_./:=,@%+".Contains(c, StringComparison.Ordinal)) ? arg : "'" + arg.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
