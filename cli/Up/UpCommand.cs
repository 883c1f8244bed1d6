using System.CommandLine;
using System.Net;
using System.Net.Sockets;
using GenAiRouter.Hosting;

namespace GenAiRouter.Cli.Up;

/// <summary><c>genai-router up</c>: the whole suite on this machine, standalone topology.</summary>
public static class UpCommand
{
    public static Command Create()
    {
        var config = RouterSetup.ConfigOption();
        var port = RouterSetup.PortOption();
        port.Validators.Add(r =>
        {
            if (r.GetValue(port) is < 1 or > 65526)
            {
                r.AddError("--port must be between 1 and 65526 (the router uses it and the next 9 ports)");
            }
        });
        var command = new Command("up", "Start all five services locally (standalone topology) and wait for Ctrl-C") { config, port };
        command.SetAction((parse, cancellation) =>
            RunAsync(parse.GetValue(config), parse.GetValue(port), cancellation));
        return command;
    }

    private static async Task<int> RunAsync(FileInfo? configFile, int basePort, CancellationToken stop)
    {
        if (RouterSetup.Load(configFile) is not { } setup)
        {
            return 2;
        }
        if (FirstPortInUse(basePort) is { } busy)
        {
            await Console.Error.WriteLineAsync(
                $"genai-router: error: port {busy.Port} ({busy.Use}) is already in use; stop what uses it or pick another base port with --port N (the router uses N to N+9)");
            return 2;
        }

        await using var supervisor = new Supervisor(setup, basePort);
        return await supervisor.RunAsync(stop);
    }

    private static (int Port, string Use)? FirstPortInUse(int basePort)
    {
        foreach (var app in RouterApps.All)
        {
            foreach (var (port, kind) in RouterApps.StandalonePorts(app, basePort).All())
            {
                var use = $"{app} {kind}";
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
