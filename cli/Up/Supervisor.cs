using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using GenAiRouter.Hosting;
using Microsoft.Extensions.Configuration;

namespace GenAiRouter.Cli.Up;

/// <summary>
/// Starts the five services as child processes, waits until each is ready, restarts one that dies (with backoff,
/// saying so) while the others keep serving, and stops them all on Ctrl-C or SIGTERM. Each child gets only the
/// environment it needs: the internal credential made for this run, and only the secrets its service uses. Children
/// also watch this process (ROUTER_PARENT_PID), so none outlives it even if it is killed outright.
/// </summary>
public sealed partial class Supervisor(RouterSetup setup, int basePort) : IAsyncDisposable
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan FirstBackoff = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);
    /// <summary>A child that ran this long before it died starts its backoff afresh.</summary>
    private static readonly TimeSpan StableAfter = TimeSpan.FromSeconds(60);

    // What every child may see of this process's environment; everything else (shell secrets included) stays here.
    private static readonly string[] PassedVariables = ["PATH", "HOME", "USER", "LANG", "LANGUAGE", "TZ", "TMPDIR", "SSL_CERT_FILE", "SSL_CERT_DIR", "ROUTER_LOG_FORMAT"];
    private static readonly string[] PassedPrefixes = ["DOTNET_", "LC_", "OTEL_", "Router__"];

    private readonly Dictionary<string, Child> _children = [];
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(2) };
    private readonly string _internalToken = RandomNumberGenerator.GetHexString(64, lowercase: true);
    private string _adminKey = "";

    public async Task<int> RunAsync(CancellationToken stop)
    {
        _adminKey = setup.EnsureAdminKey();
        foreach (var app in RouterApps.All)
        {
            _children[app] = new Child(app, Start(app));
        }

        var ready = await WaitUntilReadyAsync(stop);
        if (ready is not null)
        {
            await Console.Error.WriteLineAsync($"genai-router: error: {ready}; stopping");
            return 1;
        }
        if (stop.IsCancellationRequested)
        {
            return 0;
        }

        var ingress = RouterApps.StandalonePorts(RouterApps.Ingress, basePort).Public;
        var environment = new ConfigurationBuilder().AddEnvironmentVariables().Build();
        var metrics = Observability.PrometheusScrape(environment)
            ? $"http://127.0.0.1:{RouterApps.StandalonePorts(RouterApps.Ingress, basePort).Http}/metrics (ingress; {string.Join(", ", RouterApps.All.Where(a => a != RouterApps.Ingress).Select(a => $"{a} on {RouterApps.StandalonePorts(a, basePort).Http}"))})"
            : $"exported over OTLP to {environment["OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"] ?? environment["OTEL_EXPORTER_OTLP_ENDPOINT"]} (Router__Telemetry__Prometheus=true for /metrics as well)";
        Console.WriteLine($"""

            GenAI Smart Router is ready (standalone topology, config {setup.ConfigPath}).
              base URL:     http://127.0.0.1:{ingress}/v1
              docs:         http://127.0.0.1:{ingress}/
              metrics:      {metrics}
              get a token:  ./genai-router token issue{PortOption()} --user you --project demo --env dev --groups {setup.Config.Groups.Keys.FirstOrDefault() ?? "<group>"}
              data:         {setup.DataDir}
              stop:         Ctrl-C
            """);

        await SuperviseAsync(stop);
        return 0;
    }

    public async ValueTask DisposeAsync()
    {
        // Ingress first, on its own: no new request arrives at a service that is already going away, and ingress's last
        // usage events reach a usage service that is still there.
        using var deadline = new CancellationTokenSource(StopTimeout);
        var ingressFirst = _children.Values.Where(c => c.App == RouterApps.Ingress).ToList();
        await StopAsync(ingressFirst, deadline.Token);
        await StopAsync(_children.Values.Except(ingressFirst).ToList(), deadline.Token);
        _http.Dispose();
    }

    private static async Task StopAsync(List<Child> children, CancellationToken deadline)
    {
        foreach (var child in children.Where(c => !c.Process.HasExited))
        {
            _ = SignalTerminate(child.Process.Id);
        }
        foreach (var child in children)
        {
            try
            {
                await child.Process.WaitForExitAsync(deadline);
            }
            catch (OperationCanceledException)
            {
                await Console.Error.WriteLineAsync($"genai-router: {child.App} did not stop within {StopTimeout.TotalSeconds:0} s; killing it");
                child.Process.Kill(entireProcessTree: true);
            }
            child.Process.Dispose();
        }
    }

    /// <summary>Until a stop is asked for: a child that exits is started again after a backoff that grows while it keeps dying.</summary>
    private async Task SuperviseAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await Task.WhenAny(_children.Values.Select(c => c.Process.WaitForExitAsync(stop)));
            }
            catch (OperationCanceledException)
            {
                return;
            }
            if (stop.IsCancellationRequested)
            {
                return;
            }
            foreach (var child in _children.Values.Where(c => c.Process.HasExited).ToList())
            {
                var ranFor = DateTime.UtcNow - child.StartedAt;
                child.Restarts = ranFor > StableAfter ? 1 : child.Restarts + 1;
                var backoff = TimeSpan.FromTicks(Math.Min(FirstBackoff.Ticks << Math.Min(child.Restarts - 1, 10), MaxBackoff.Ticks));
                await Console.Error.WriteLineAsync(
                    $"genai-router: {child.App} stopped unexpectedly (exit code {child.Process.ExitCode}); restarting it in {backoff.TotalSeconds:0} s (restart {child.Restarts}); the other services keep serving");
                try
                {
                    await Task.Delay(backoff, stop);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                child.Process.Dispose();
                _children[child.App] = new Child(child.App, Start(child.App)) { Restarts = child.Restarts };
                _ = AnnounceWhenReadyAsync(child.App, stop);
            }
        }
    }

    private async Task AnnounceWhenReadyAsync(string app, CancellationToken stop)
    {
        var deadline = DateTime.UtcNow + ReadyTimeout;
        while (!stop.IsCancellationRequested && DateTime.UtcNow < deadline && !_children[app].Process.HasExited)
        {
            if (await IsReadyAsync(app, stop))
            {
                await Console.Error.WriteLineAsync($"genai-router: {app} is back and ready");
                return;
            }
            await Task.Delay(200, stop).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    private string PortOption() => basePort == 8080 ? "" : $" --port {basePort}";

    private Process Start(string app)
    {
        var assembly = RouterHome.ServiceAssembly(app);
        if (!File.Exists(assembly))
        {
            throw new FileNotFoundException($"the {app} service is not built ({assembly}); run ./genai-router again to build it");
        }
        var start = new ProcessStartInfo(System.Environment.ProcessPath ?? "dotnet") { UseShellExecute = false };
        start.ArgumentList.Add(assembly);
        start.Environment.Clear();
        foreach (var (name, value) in ChildEnvironment(app))
        {
            start.Environment[name] = value;
        }
        return Process.Start(start) ?? throw new InvalidOperationException($"could not start {app}");
    }

    /// <summary>A child's whole environment: the harmless part of this one's, its settings, and only the secrets its service needs.</summary>
    internal Dictionary<string, string> ChildEnvironment(string app)
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (System.Collections.DictionaryEntry variable in System.Environment.GetEnvironmentVariables())
        {
            var name = (string)variable.Key;
            if (PassedVariables.Contains(name, StringComparer.Ordinal) || PassedPrefixes.Any(p => name.StartsWith(p, StringComparison.Ordinal)))
            {
                env[name] = (string)variable.Value!;
            }
        }
        foreach (var name in SecretsOf(app))
        {
            if (System.Environment.GetEnvironmentVariable(name) is { Length: > 0 } value)
            {
                env[name] = value;
            }
        }
        if (app is RouterApps.Auth or RouterApps.Usage)
        {
            env[setup.Config.AdminKeyEnv] = _adminKey;
        }
        var ports = RouterApps.StandalonePorts(app, basePort);
        env["ROUTER_TOPOLOGY"] = "standalone";
        env["ROUTER_CONFIG"] = setup.ConfigPath;
        env["ROUTER_DATA_DIR"] = setup.DataDir;
        env[Hosting.InternalCredential.StandaloneVariable] = _internalToken;
        env["ROUTER_PARENT_PID"] = System.Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        env["Router__BindAddress"] = "127.0.0.1";
        env["Router__HttpPort"] = Text(ports.Http);
        env["Router__GrpcPort"] = ports.Grpc is { } grpc ? Text(grpc) : "none";
        if (ports.Public is { } door)
        {
            env["Router__PublicPort"] = Text(door);
            env["Router__PublicBindAddress"] = "127.0.0.1";
        }
        foreach (var other in RouterApps.All.Where(RouterApps.CalledOverGrpc))
        {
            env[$"Router__Services__{other}"] = $"http://127.0.0.1:{RouterApps.StandalonePorts(other, basePort).Grpc}";
        }
        env[$"Router__Subscribers__{Topics.Usage}"] = $"http://127.0.0.1:{RouterApps.StandalonePorts(RouterApps.Usage, basePort).Http}";
        env[$"Router__Subscribers__{Topics.TokenRevoked}"] = $"http://127.0.0.1:{RouterApps.StandalonePorts(RouterApps.Ingress, basePort).Http}";
        return env;
    }

    /// <summary>
    /// The secrets a service uses, by the variables that hold them: upstream keys (the variables the configuration's
    /// targets name) for ingress and the bridge, which call upstreams; the Redis connection for ingress's cache; the
    /// usage database for usage. (The admin credential is added for auth and usage.)
    /// </summary>
    private IEnumerable<string> SecretsOf(string app) => app switch
    {
        RouterApps.Ingress => UpstreamKeyVariables().Append("ROUTER_REDIS"),
        RouterApps.Bridge => UpstreamKeyVariables(),
        RouterApps.Usage => ["ROUTER_USAGE_DB"],
        _ => [],
    };

    private IEnumerable<string> UpstreamKeyVariables() =>
        setup.Config.Groups.Values.SelectMany(g => g.Targets).Select(t => t.ApiKeyEnv).OfType<string>().Distinct(StringComparer.Ordinal);

    /// <returns>Null when every service is ready (or a stop was asked for); otherwise what went wrong.</returns>
    private async Task<string?> WaitUntilReadyAsync(CancellationToken stop)
    {
        var deadline = DateTime.UtcNow + ReadyTimeout;
        var pending = new List<string>(RouterApps.All);
        while (pending.Count > 0 && !stop.IsCancellationRequested)
        {
            if (_children.Values.FirstOrDefault(c => c.Process.HasExited) is { } dead)
            {
                return $"{dead.App} exited with code {dead.Process.ExitCode} before it was ready";
            }
            if (DateTime.UtcNow > deadline)
            {
                return $"not ready within {ReadyTimeout.TotalSeconds:0} s: {string.Join(", ", pending)}";
            }
            foreach (var app in pending.ToArray())
            {
                if (await IsReadyAsync(app, stop))
                {
                    pending.Remove(app);
                }
            }
            if (pending.Count > 0)
            {
                try
                {
                    await Task.Delay(200, stop);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
        return null;
    }

    private async Task<bool> IsReadyAsync(string app, CancellationToken stop)
    {
        var port = RouterApps.StandalonePorts(app, basePort).Http;
        try
        {
            using var response = await _http.GetAsync(new Uri($"http://127.0.0.1:{port}/readyz"), stop);
            return response.IsSuccessStatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }

    private static string Text(int number) => number.ToString(CultureInfo.InvariantCulture);

    /// <summary>SIGTERM, which every service answers with a graceful shutdown (Process.Kill would be SIGKILL).</summary>
    private static int SignalTerminate(int pid) => Kill(pid, 15);

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    private sealed class Child(string app, Process process)
    {
        public string App { get; } = app;
        public Process Process { get; } = process;
        public DateTime StartedAt { get; } = DateTime.UtcNow;
        public int Restarts { get; set; }
    }
}
