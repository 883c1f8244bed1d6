using System.CommandLine;
using System.Net;
using System.Net.Sockets;
using GenAiRouter.Hosting;
using GenAiRouter.RouterConfig;

namespace GenAiRouter.Cli.Up;

/// <summary><c>genai-router up</c>: the whole suite on this machine, standalone topology.</summary>
public static class UpCommand
{
    public static Command Create()
    {
        var config = new Option<FileInfo>("--config") { Description = "Router configuration file (default: config/genai-router.yaml)" };
        var port = new Option<int>("--port") { Description = "Ingress port; the services use it and the next 9 ports", DefaultValueFactory = _ => 8080 };
        port.Validators.Add(r =>
        {
            if (r.GetValue(port) is < 1 or > 65526)
            {
                r.AddError("--port must be between 1 and 65526 (the router uses it and the next 9 ports)");
            }
        });
        var command = new Command("up", "Start all five services locally (standalone topology) and wait for Ctrl-C") { config, port };
        command.SetAction((parse, cancellation) =>
            RunAsync(parse.GetValue(config)?.FullName ?? RouterHome.DefaultConfig, parse.GetValue(port), cancellation));
        return command;
    }

    private static async Task<int> RunAsync(string configPath, int basePort, CancellationToken stop)
    {
        RouterConfig.RouterConfig config;
        try
        {
            config = RouterConfigLoader.Load(configPath);
        }
        catch (RouterConfigException e)
        {
            await Console.Error.WriteLineAsync($"genai-router: error: {e.Message}");
            return 2;
        }
        if (FirstPortInUse(basePort) is { } busy)
        {
            await Console.Error.WriteLineAsync(
                $"genai-router: error: port {busy.Port} ({busy.Use}) is already in use; stop what uses it or pick another base port with --port N (the router uses N to N+9)");
            return 2;
        }

        await using var supervisor = new Supervisor(configPath, basePort);
        return await supervisor.RunAsync(config.Groups.Keys.FirstOrDefault(), stop);
    }

    private static (int Port, string Use)? FirstPortInUse(int basePort)
    {
        foreach (var app in RouterApps.All)
        {
            var (http, grpc) = RouterApps.StandalonePorts(app, basePort);
            foreach (var (port, use) in new[] { (http, $"{app} http"), (grpc, $"{app} grpc") })
            {
                try
                {
                    using var probe = new TcpListener(IPAddress.Loopback, port);
                    probe.Start();
                }
                catch (SocketException)
                {
                    return (port, use);
                }
            }
        }
        return null;
    }
}
