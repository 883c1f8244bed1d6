using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace GenAiRouter.TestSupport;

/// <summary>
/// A private, throwaway redis-server (Debian package <c>redis-server</c>, which .ci/run installs) on a free
/// loopback port, so a test can also stop it to see what the router does when its store goes away.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    private static readonly string[] Candidates = ["/usr/bin/redis-server", "/usr/local/bin/redis-server"];
    private readonly string _binary;
    private Process? _process;

    private RedisServer(string binary, int port) => (_binary, Port) = (binary, port);

    public int Port { get; }

    /// <summary>The connection string the router takes in <c>ROUTER_REDIS</c>.</summary>
    public string ConnectionString => $"127.0.0.1:{Port}";

    public bool IsRunning => _process is { HasExited: false };

    /// <summary>Starts one, or skips the calling test, saying why, when redis-server is not installed.</summary>
    public static async Task<RedisServer> StartAsync()
    {
        var binary = Candidates.FirstOrDefault(File.Exists)
            ?? throw Xunit.Sdk.SkipException.ForSkip("redis-server is not installed (apt-get install redis-server, as .ci/run does); the Redis tests did not run");
        var server = new RedisServer(binary, FreePort());
        await server.RestartAsync();
        return server;
    }

    /// <summary>Stops the server; its data goes with it (nothing is persisted).</summary>
    public async Task StopAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill();
            await process.WaitForExitAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _process?.Dispose();
    }

    /// <summary>Starts it again on the same port (empty) after <see cref="StopAsync"/>.</summary>
    public async Task RestartAsync()
    {
        _process?.Dispose();
        var start = new ProcessStartInfo(_binary)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in new[] { "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no" })
        {
            start.ArgumentList.Add(arg);
        }
        _process = Process.Start(start)!;
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline && !_process.HasExited)
            {
                await Task.Delay(50);
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
