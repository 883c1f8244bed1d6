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

    public Uri BaseUrl => new($"http://127.0.0.1:{Port}/v1/");

    /// <summary>Everything the router's processes printed so far.</summary>
    public string Output => _up?.Stdout + _up?.Stderr;

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
