using System.Globalization;

namespace GenAiRouter.TestSupport;

/// <summary>The whole router started with `genai-router up` on free loopback ports, with its own config and data directory.</summary>
public sealed class LocalRouter : IAsyncDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("router-e2e-").FullName;
    private readonly Dictionary<string, string> _environment;
    private RouterProcess? _up;

    private LocalRouter(Dictionary<string, string> environment)
    {
        _environment = new Dictionary<string, string>(environment) { ["XDG_STATE_HOME"] = Path.Combine(_dir, "state") };
    }

    public int Port { get; } = RouterProcess.FreePortRange();

    public string ConfigPath => Path.Combine(_dir, "router.yaml");

    /// <summary>Where `up` keeps tokens, usage and the local admin key for this router.</summary>
    public string DataDir => Path.Combine(_dir, "state", "genai-router");

    public Uri BaseUrl => new($"http://127.0.0.1:{Port}/v1/");

    /// <summary>Everything the router's processes printed so far.</summary>
    public string Output => _up?.Stdout + _up?.Stderr;

    /// <summary>Waits for a line the services log: they write their lines in batches, a few milliseconds after the fact.</summary>
    public Task WaitForOutputAsync(string text, TimeSpan timeout) => _up!.WaitForOutputAsync(text, timeout);

    /// <param name="environment">Extra environment for every service, e.g. upstream keys.</param>
    public static async Task<LocalRouter> StartAsync(string configYaml, Dictionary<string, string>? environment = null)
    {
        var router = new LocalRouter(environment ?? []);
        await File.WriteAllTextAsync(router.ConfigPath, configYaml);
        await router.StartAsync();
        return router;
    }

    public async Task StartAsync()
    {
        _up = RouterProcess.Cli(_environment, "up", "--config", ConfigPath, "--port", Port.ToString(CultureInfo.InvariantCulture));
        await _up.WaitForOutputAsync("GenAI Smart Router is ready", TimeSpan.FromSeconds(90));
    }

    public async Task StopAsync()
    {
        if (_up is not null)
        {
            _up.Signal(15);
            await _up.WaitForExitAsync(TimeSpan.FromSeconds(30));
            await _up.DisposeAsync();
            _up = null;
        }
    }

    /// <summary>The service processes `up` runs, by app id (read from each child's command line).</summary>
    public IReadOnlyDictionary<string, int> ServiceProcesses() =>
        (_up ?? throw new InvalidOperationException("the router is not running")).Children()
            .Select(pid => (Pid: pid, App: AppOf(pid)))
            .Where(p => p.App is not null)
            .ToDictionary(p => p.App!, p => p.Pid);

    /// <summary>A service process's environment, as /proc shows it.</summary>
    public static IReadOnlyDictionary<string, string> EnvironmentOf(int pid) =>
        File.ReadAllText($"/proc/{pid}/environ").Split('\0', StringSplitOptions.RemoveEmptyEntries)
            .Select(entry => entry.Split('=', 2))
            .Where(parts => parts.Length == 2)
            .GroupBy(parts => parts[0])
            .ToDictionary(g => g.Key, g => g.First()[1]);

    private static string? AppOf(int pid)
    {
        try
        {
            var command = File.ReadAllText($"/proc/{pid}/cmdline");
            var match = System.Text.RegularExpressions.Regex.Match(command, @"GenAiRouter\.(\w+)\.dll");
            return match.Success ? match.Groups[1].Value.ToLowerInvariant() : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>Runs a genai-router command against this router; fails the test unless it exits 0.</summary>
    public async Task<string> RunCliAsync(params string[] args)
    {
        await using var cli = StartCli(args);
        Assert.True(await cli.WaitForExitAsync(TimeSpan.FromSeconds(30)) == 0, cli.Stderr);
        return cli.Stdout;
    }

    /// <summary>A genai-router command against this router, left for the test to inspect.</summary>
    public RouterProcess StartCli(params string[] args) =>
        RouterProcess.Cli(_environment, [.. args, "--config", ConfigPath, "--port", Port.ToString(CultureInfo.InvariantCulture)]);

    public async Task<string> IssueTokenAsync(params string[] grants) =>
        (await RunCliAsync(["token", "issue", "--user", "alice", "--project", "web", "--env", "dev", .. grants])).Trim();

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        Directory.Delete(_dir, recursive: true);
    }
}
