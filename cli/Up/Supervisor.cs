using System.Diagnostics;
using System.Runtime.InteropServices;
using GenAiRouter.Hosting;

namespace GenAiRouter.Cli.Up;

/// <summary>
/// Starts the five services as child processes, waits until each is ready, and stops them all on Ctrl-C,
/// SIGTERM, or when one of them dies. Children also watch this process (ROUTER_PARENT_PID), so none
/// outlives it even if it is killed outright.
/// </summary>
public sealed partial class Supervisor(RouterSetup setup, int basePort) : IAsyncDisposable
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(20);

    private readonly List<(string App, Process Process)> _children = [];
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(2) };

    public async Task<int> RunAsync(CancellationToken stop)
    {
        var adminKey = setup.EnsureAdminKey();
        foreach (var app in RouterApps.All)
        {
            _children.Add((app, Start(app, adminKey)));
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

        var ingress = RouterApps.StandalonePorts(RouterApps.Ingress, basePort).Http;
        Console.WriteLine($"""

            GenAI Smart Router is ready (standalone topology, config {setup.ConfigPath}).
              base URL:     http://127.0.0.1:{ingress}/v1
              get a token:  ./genai-router token issue{PortOption()} --user you --project demo --env dev --groups {setup.Config.Groups.Keys.FirstOrDefault() ?? "<group>"}
              data:         {setup.DataDir}
              stop:         Ctrl-C
            """);

        var died = await WaitForFirstExitAsync(stop);
        if (died is { } child)
        {
            await Console.Error.WriteLineAsync($"genai-router: error: {child.App} stopped unexpectedly (exit code {child.Process.ExitCode}); stopping the others");
            return 1;
        }
        return 0;
    }

    public async ValueTask DisposeAsync()
    {
        // Ingress first, so no new request arrives at a service that is already going away.
        foreach (var (_, process) in Enumerable.Reverse(_children).Where(c => !c.Process.HasExited))
        {
            _ = SignalTerminate(process.Id);
        }
        using var deadline = new CancellationTokenSource(StopTimeout);
        foreach (var (app, process) in _children)
        {
            try
            {
                await process.WaitForExitAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                await Console.Error.WriteLineAsync($"genai-router: {app} did not stop within {StopTimeout.TotalSeconds:0} s; killing it");
                process.Kill(entireProcessTree: true);
            }
            process.Dispose();
        }
        _http.Dispose();
    }

    private string PortOption() => basePort == 8080 ? "" : $" --port {basePort}";

    private Process Start(string app, string adminKey)
    {
        var assembly = RouterHome.ServiceAssembly(app);
        if (!File.Exists(assembly))
        {
            throw new FileNotFoundException($"the {app} service is not built ({assembly}); run ./genai-router again to build it");
        }
        var (http, grpc) = RouterApps.StandalonePorts(app, basePort);
        var start = new ProcessStartInfo(Environment.ProcessPath ?? "dotnet") { UseShellExecute = false };
        start.ArgumentList.Add(assembly);
        var env = start.Environment;
        env["ROUTER_TOPOLOGY"] = "standalone";
        env["ROUTER_CONFIG"] = setup.ConfigPath;
        env["ROUTER_DATA_DIR"] = setup.DataDir;
        if (app is RouterApps.Auth or RouterApps.Usage)
        {
            env[setup.Config.AdminKeyEnv] = adminKey;
        }
        env["ROUTER_PARENT_PID"] = Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        env["Router__BindAddress"] = "127.0.0.1";
        env["Router__HttpPort"] = http.ToString(System.Globalization.CultureInfo.InvariantCulture);
        env["Router__GrpcPort"] = grpc.ToString(System.Globalization.CultureInfo.InvariantCulture);
        foreach (var other in RouterApps.All)
        {
            env[$"Router__Services__{other}"] = $"http://127.0.0.1:{RouterApps.StandalonePorts(other, basePort).Grpc}";
        }
        env[$"Router__Subscribers__{Topics.Usage}"] = $"http://127.0.0.1:{RouterApps.StandalonePorts(RouterApps.Usage, basePort).Http}";
        env[$"Router__Subscribers__{Topics.TokenRevoked}"] = $"http://127.0.0.1:{RouterApps.StandalonePorts(RouterApps.Ingress, basePort).Http}";
        return Process.Start(start) ?? throw new InvalidOperationException($"could not start {app}");
    }

    /// <returns>Null when every service is ready (or a stop was asked for); otherwise what went wrong.</returns>
    private async Task<string?> WaitUntilReadyAsync(CancellationToken stop)
    {
        var deadline = DateTime.UtcNow + ReadyTimeout;
        var pending = new List<string>(RouterApps.All);
        while (pending.Count > 0 && !stop.IsCancellationRequested)
        {
            if (_children.FirstOrDefault(c => c.Process.HasExited) is { Process: not null } dead)
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

    private async Task<(string App, Process Process)?> WaitForFirstExitAsync(CancellationToken stop)
    {
        var exits = _children.Select(c => c.Process.WaitForExitAsync(stop)).ToList();
        try
        {
            await Task.WhenAny(exits).Unwrap();
        }
        catch (OperationCanceledException)
        {
            return null;
        }
        return _children.First(c => c.Process.HasExited);
    }

    /// <summary>SIGTERM, which every service answers with a graceful shutdown (Process.Kill would be SIGKILL).</summary>
    private static int SignalTerminate(int pid) => Kill(pid, 15);

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
