using System.Diagnostics;

namespace GenAiRouter.Cli.Validate;

/// <summary>
/// Where the tool smoke lets a coding agent run the commands a model asks for: a Linux namespace sandbox (bubblewrap)
/// that sees only the system's programs read-only, the client's own installation read-only, a scratch directory and
/// an empty home on a tmpfs; no capabilities, no new privileges, its own process and IPC namespaces, the host network
/// (to reach the router, as the docs prescribe: the agent's commands reach what this machine reaches), CPU time, address
/// space and process limits; and only the environment it is started with (the caller token, the client's fixed
/// settings, home and PATH), which validation gives the process instead of inheriting its own. A container engine is not used: none could be proven
/// on the machines this was built on, so a run without bubblewrap refuses the tool smoke with the reason.
/// </summary>
public sealed record Sandbox(string Bubblewrap, string Version)
{
    /// <summary>The limits every sandboxed run gets: ten minutes of CPU, 16 GiB of address space (Node reserves much of it), 512 processes.</summary>
    public const int CpuSeconds = 600;
    public const long AddressSpaceBytes = 16L << 30;
    public const int Processes = 512;

    /// <summary>The directory a sandboxed client sees as its home (empty, in memory).</summary>
    public const string Home = "/home/validate";

    private static readonly string[] SystemDirectories = ["/usr", "/etc/ssl", "/etc/ca-certificates", "/etc/alternatives"];
    private static readonly string[] SystemFiles = ["/etc/resolv.conf", "/etc/hosts", "/etc/nsswitch.conf", "/etc/passwd", "/etc/group", "/etc/localtime"];

    /// <summary>bubblewrap when it is installed and can make a sandbox here; otherwise null and why.</summary>
    public static async Task<(Sandbox? Sandbox, string? Unavailable)> FindAsync()
    {
        var bwrap = Programs.Find("bwrap");
        if (bwrap is null)
        {
            return (null, "no sandbox: bubblewrap is not installed (Debian: apt install bubblewrap), and the tool smoke runs a model's commands only in one");
        }
        var probe = await Programs.RunAsync(bwrap, [.. Isolation([], "/"), "--", "/usr/bin/true"], TimeSpan.FromSeconds(10));
        if (probe.ExitCode != 0)
        {
            return (null, $"no sandbox: bubblewrap cannot create one here ({probe.Stderr.Trim()}); the tool smoke runs a model's commands only in one");
        }
        var version = (await Programs.RunAsync(bwrap, ["--version"], TimeSpan.FromSeconds(10))).Stdout.Trim().Replace("bubblewrap ", "", StringComparison.Ordinal);
        return (new Sandbox(bwrap, version), null);
    }

    /// <summary>
    /// The command line that runs <paramref name="program"/> in the sandbox, in <paramref name="scratch"/>, seeing only
    /// <paramref name="readOnly"/> besides the system, and the whole environment it is started with (the given
    /// variables, its home and PATH). The environment is the process's, never arguments: a caller token on a command
    /// line is readable by every user of the machine.
    /// </summary>
    public (IReadOnlyList<string> Command, IReadOnlyDictionary<string, string> Environment) Wrap(
        string program, IEnumerable<string> args, string scratch, IEnumerable<string> readOnly, IReadOnlyDictionary<string, string> environment)
    {
        var command = new List<string> { Bubblewrap };
        command.AddRange(Isolation(readOnly, scratch));
        command.AddRange(["--", "/usr/bin/prlimit", $"--cpu={CpuSeconds}", $"--as={AddressSpaceBytes}", $"--nproc={Processes}", "--", program]);
        command.AddRange(args);
        return (command, new Dictionary<string, string>(environment) { ["HOME"] = Home, ["PATH"] = "/usr/local/bin:/usr/bin:/bin" });
    }

    private static IEnumerable<string> Isolation(IEnumerable<string> readOnly, string scratch)
    {
        yield return "--die-with-parent";
        yield return "--new-session"; // no way back to the terminal
        yield return "--unshare-all";
        yield return "--share-net"; // the router is reached over the host's network
        yield return "--cap-drop";
        yield return "ALL";
        foreach (var link in new[] { "bin", "lib", "lib64", "sbin" })
        {
            yield return "--symlink";
            yield return $"usr/{link}";
            yield return $"/{link}";
        }
        // Mounts apply in order: the tmpfs first, so a client installed (or a scratch directory made) under /tmp is
        // mounted on top of it rather than hidden by it.
        yield return "--tmpfs";
        yield return "/tmp";
        yield return "--tmpfs";
        yield return Home;
        yield return "--dev";
        yield return "/dev";
        yield return "--proc";
        yield return "/proc";
        foreach (var path in SystemDirectories.Concat(SystemFiles).Where(p => Directory.Exists(p) || File.Exists(p)).Concat(readOnly))
        {
            yield return "--ro-bind";
            yield return path;
            yield return path;
        }
        yield return "--bind";
        yield return scratch;
        yield return scratch;
        yield return "--chdir";
        yield return scratch;
    }
}

/// <summary>Finding and running the programs validation uses.</summary>
public static class Programs
{
    public static string? Find(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name)).FirstOrDefault(File.Exists);

    public sealed record Result(int ExitCode, string Stdout, string Stderr, TimeSpan Took, bool TimedOut);

    /// <summary>Runs to completion with stdin closed; the whole process tree is killed after <paramref name="timeout"/>.</summary>
    public static async Task<Result> RunAsync(string program, IEnumerable<string> args, TimeSpan timeout, string? workdir = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        if (workdir is not null)
        {
            start.WorkingDirectory = workdir;
        }
        if (environment is not null)
        {
            start.Environment.Clear();
            foreach (var (name, value) in environment)
            {
                start.Environment[name] = value;
            }
        }
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout);
        var timedOut = false;
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            timedOut = true;
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
        return new Result(timedOut ? -1 : process.ExitCode, await stdout, await stderr, clock.Elapsed, timedOut);
    }
}
