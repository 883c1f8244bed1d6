using System.Diagnostics;

namespace GenAiRouter.TestSupport;

/// <summary>
/// The real coding agents and SDKs from npm that the end-to-end tests drive through the router, pinned in
/// tests/clients/package.json (each the newest version that accepts Node 20). `.ci/run` installs them once under
/// .tools/clients; a test whose client is missing is skipped, saying which and why.
/// </summary>
public static class NpmClients
{
    public static string InstallDirectory { get; } = Path.Combine(RouterProcess.RepoRoot, ".tools", "clients");

    /// <summary>An installed client's executable, or null.</summary>
    public static string? Bin(string name)
    {
        var path = Path.Combine(InstallDirectory, "node_modules", ".bin", name);
        return File.Exists(path) ? path : null;
    }

    /// <summary>The executable, or skips the calling test, saying why.</summary>
    public static string Require(string bin, string package) =>
        Bin(bin) ?? throw Xunit.Sdk.SkipException.ForSkip(
            $"{package} is not installed (.ci/run installs tests/clients/package.json under .tools/clients: npm ci --prefix .tools/clients); this client's end-to-end test did not run");

    /// <summary>Skips the calling test, saying why, unless the library is installed (for scripts run with node).</summary>
    public static void RequirePackage(string package)
    {
        if (!File.Exists(Path.Combine(InstallDirectory, "node_modules", package, "package.json")))
        {
            throw Xunit.Sdk.SkipException.ForSkip(
                $"npm {package} is not installed (.ci/run installs tests/clients/package.json under .tools/clients: npm ci --prefix .tools/clients); this SDK test did not run");
        }
    }

    /// <summary>
    /// Runs a client to completion with stdin closed (as `cmd &lt;/dev/null`), in <paramref name="workdir"/>, with a
    /// throwaway HOME and none of this machine's provider keys; kills its whole process tree after the timeout.
    /// </summary>
    public static async Task<ClientRun> RunAsync(string executable, IEnumerable<string> args, IReadOnlyDictionary<string, string> environment,
        string workdir, TimeSpan timeout)
    {
        var home = Directory.CreateTempSubdirectory("client-home-").FullName;
        try
        {
            var start = new ProcessStartInfo(executable)
            {
                UseShellExecute = false,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                RedirectStandardInput = true,
                WorkingDirectory = workdir,
            };
            foreach (var arg in args)
            {
                start.ArgumentList.Add(arg);
            }
            foreach (var name in start.Environment.Keys.Where(IsProviderSetting).ToList())
            {
                start.Environment.Remove(name);
            }
            start.Environment["PWD"] = workdir; // some clients (opencode) take their project directory from PWD
            start.Environment["HOME"] = home;
            start.Environment["XDG_CONFIG_HOME"] = Path.Combine(home, ".config");
            start.Environment["XDG_DATA_HOME"] = Path.Combine(home, ".local", "share");
            start.Environment["XDG_STATE_HOME"] = Path.Combine(home, ".local", "state");
            start.Environment["XDG_CACHE_HOME"] = Path.Combine(home, ".cache");
            start.Environment["NO_COLOR"] = "1";
            foreach (var (name, value) in environment)
            {
                start.Environment[name] = value;
            }
            using var client = Process.Start(start)!;
            client.StandardInput.Close();
            var stdout = client.StandardOutput.ReadToEndAsync();
            var stderr = client.StandardError.ReadToEndAsync();
            using var deadline = new CancellationTokenSource(timeout);
            try
            {
                await client.WaitForExitAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                client.Kill(entireProcessTree: true);
                throw new TimeoutException($"{Path.GetFileName(executable)} {string.Join(' ', start.ArgumentList)} did not finish in {timeout.TotalSeconds:0}s\nstdout:\n{await stdout}\nstderr:\n{await stderr}");
            }
            return new ClientRun(client.ExitCode, await stdout, await stderr);
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }
    }

    /// <summary>Keys and endpoints a developer's shell may hold for real providers: a test must never reach them.</summary>
    private static bool IsProviderSetting(string name) =>
        name.StartsWith("OPENAI_", StringComparison.Ordinal) || name.StartsWith("ANTHROPIC_", StringComparison.Ordinal)
        || name.StartsWith("OPENCODE", StringComparison.Ordinal) || name.StartsWith("KILO", StringComparison.Ordinal)
        || name.StartsWith("QWEN", StringComparison.Ordinal) || name.StartsWith("CODEX", StringComparison.Ordinal)
        || name.StartsWith("CLAUDE", StringComparison.Ordinal);
}

/// <summary>How a client run ended and what it printed.</summary>
public sealed record ClientRun(int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"exit {ExitCode}\nstdout:\n{Stdout}\nstderr:\n{Stderr}";
}
