using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace GenAiRouter.Bench.Load;

/// <summary>
/// The router as a user runs it: `genai-router up` (Release build) with the bench configuration, standalone topology,
/// on free loopback ports; its five service processes are found under it to read their CPU time and memory.
/// </summary>
public sealed class RouterUnderTest : IAsyncDisposable
{
    private readonly string _root;
    private readonly Process _up;

    private RouterUnderTest(string root, int port, Process up) => (_root, Port, _up) = (root, port, up);

    public int Port { get; }

    public Uri BaseUrl => new($"http://127.0.0.1:{Port}/v1/");

    /// <param name="environment">Settings for the five services (telemetry endpoints, switches), as a deployment sets them.</param>
    public static async Task<RouterUnderTest> StartAsync(string root, Uri upstream, IReadOnlyDictionary<string, string>? environment = null)
    {
        var port = FreePortRange();
        var dir = Directory.CreateTempSubdirectory("router-bench-config-").FullName;
        var config = Path.Combine(dir, "bench.yaml");
        await File.WriteAllTextAsync(config, $$"""
            bridge: { enabled: true }
            groups:
              native:
                targets:
                  - { name: fast, api: responses, base_url: {{upstream}}, model: bench-model, capabilities: [tools, hosted_tools, reasoning, streaming], prices: { input_per_mtok: 1, output_per_mtok: 4 } }
              bridged:
                targets:
                  - name: fast-chat
                    api: chat
                    base_url: {{upstream}}
                    model: bench-model
                    capabilities: [tools, streaming]
                    responses_to_chat: { streaming: true }
              chat:
                targets:
                  - { name: fast-chat-native, api: chat, base_url: {{upstream}}, model: bench-model, capabilities: [tools, streaming], prices: { input_per_mtok: 1, output_per_mtok: 4 } }
              claude:
                targets:
                  - { name: fast-messages, api: messages, base_url: {{upstream}}, model: bench-model, capabilities: [tools, streaming], prices: { input_per_mtok: 3, output_per_mtok: 15 } }
              cached:
                cache: { ttl: 1h }
                targets:
                  - { name: fast-cached, api: responses, base_url: {{upstream}}, model: bench-model, capabilities: [streaming] }
            """);
        var up = Start(root, ["up", "--config", config, "--port", port.ToString(CultureInfo.InvariantCulture)], dir, environment);
        var router = new RouterUnderTest(root, port, up) { ConfigPath = config, StateDir = dir };
        var ready = new TaskCompletionSource();
        up.OutputDataReceived += (_, e) =>
        {
            if (e.Data?.Contains("is ready", StringComparison.Ordinal) == true)
            {
                ready.TrySetResult();
            }
        };
        up.BeginOutputReadLine();
        up.BeginErrorReadLine();
        await ready.Task.WaitAsync(TimeSpan.FromMinutes(3));
        return router;
    }

    private string ConfigPath { get; init; } = "";

    private string StateDir { get; init; } = "";

    /// <param name="limits">A token with rate limits, a concurrency limit and a daily budget, all far above what the bench
    /// sends, so that every request is admitted and settled against them as a limited token's are.</param>
    public async Task<string> IssueTokenAsync(bool limits)
    {
        string[] args = ["token", "issue", "--user", "bench", "--project", "bench", "--env", "dev", "--groups", "native,bridged,chat,claude,cached",
            "--config", ConfigPath, "--port", Port.ToString(CultureInfo.InvariantCulture)];
        using var cli = Start(_root, limits ? [.. args, "--rpm", "100000000", "--tpm", "100000000000", "--concurrency", "1024", "--budget", "1000000/day"] : args, StateDir);
        var token = await cli.StandardOutput.ReadLineAsync();
        await cli.WaitForExitAsync();
        return token?.Trim() ?? throw new InvalidOperationException("token issue printed nothing");
    }

    /// <summary>The five service processes together.</summary>
    public ProcessUsage Usage() => UsageByService().Values.Aggregate(ProcessUsage.None, (sum, each) => sum + each);

    /// <summary>What each service process has used so far, by its assembly name (GenAiRouter.Ingress, ...).</summary>
    public IReadOnlyDictionary<string, ProcessUsage> UsageByService()
    {
        var usage = new Dictionary<string, ProcessUsage>();
        foreach (var pid in Services())
        {
            try
            {
                var name = File.ReadAllText($"/proc/{pid}/cmdline").Split('\0').Select(Path.GetFileNameWithoutExtension).FirstOrDefault(a => a?.StartsWith("GenAiRouter.", StringComparison.Ordinal) == true) ?? $"pid {pid}";
                usage[name!] = ProcessUsage.Read(pid);
            }
            catch (IOException)
            {
                // The process ended between listing and reading.
            }
        }
        return usage;
    }

    private IEnumerable<int> Services() =>
        Directory.EnumerateDirectories("/proc")
            .Select(Path.GetFileName)
            .Select(name => int.TryParse(name, out var pid) ? pid : 0)
            .Where(pid => pid > 0 && ParentOf(pid) == _up.Id);

    private static int ParentOf(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return 0;
        }
    }

    private static Process Start(string root, string[] args, string stateDir, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(root, "artifacts", "bin", "GenAiRouter.Cli", "release", "GenAiRouter.Cli.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        start.Environment["ROUTER_HOME"] = root;
        start.Environment["XDG_STATE_HOME"] = stateDir;
        // Per-request log lines are part of what a default install costs; keep them, but out of the console.
        start.Environment["ROUTER_LOG_FORMAT"] = "json";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }
        return Process.Start(start)!;
    }

    private static int FreePortRange()
    {
        for (var port = 21000; port < 60000; port += 10)
        {
            try
            {
                var listeners = Enumerable.Range(port, 10).Select(p => new TcpListener(IPAddress.Loopback, p)).ToList();
                listeners.ForEach(l => l.Start());
                listeners.ForEach(l => l.Stop());
                return port;
            }
            catch (SocketException)
            {
            }
        }
        throw new InvalidOperationException("no free range of 10 ports");
    }

    public async ValueTask DisposeAsync()
    {
        if (!_up.HasExited)
        {
            Process.Start("kill", ["-TERM", _up.Id.ToString(CultureInfo.InvariantCulture)])!.WaitForExit();
            await _up.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        }
        _up.Dispose();
        Directory.Delete(StateDir, recursive: true);
    }
}
