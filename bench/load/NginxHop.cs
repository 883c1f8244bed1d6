using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace GenAiRouter.Bench.Load;

/// <summary>
/// The floor: nginx (Debian's package) as a bare reverse-proxy hop in front of the same upstream, with keepalive
/// connections to it and no buffering, access log off. What it adds to a request is what any proxy hop costs on this
/// machine; the router's overhead is reported as a multiple of it.
/// </summary>
public sealed class NginxHop : IAsyncDisposable
{
    private static readonly string[] Binaries = ["/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/bin/nginx"];

    private readonly Process _nginx;
    private readonly string _directory;

    private NginxHop(Process nginx, string directory, int port) => (_nginx, _directory, Port) = (nginx, directory, port);

    public int Port { get; }

    /// <summary>The same request through nginx: the upstream's URL with nginx's port.</summary>
    public Shot Through(Shot direct) => direct with { Url = new UriBuilder(direct.Url) { Port = Port }.Uri };

    /// <summary>nginx in front of <paramref name="upstream"/>, or why there is none.</summary>
    public static async Task<(NginxHop? Hop, string? Missing)> StartAsync(Uri upstream)
    {
        var binary = Binaries.FirstOrDefault(File.Exists);
        if (binary is null)
        {
            return (null, "nginx is not installed (Debian: apt install nginx)");
        }
        var directory = Directory.CreateTempSubdirectory("bench-nginx-").FullName;
        var port = FreePort();
        var config = Path.Combine(directory, "nginx.conf");
        await File.WriteAllTextAsync(config, string.Create(CultureInfo.InvariantCulture, $$"""
            daemon off;
            worker_processes auto;
            pid {{directory}}/nginx.pid;
            error_log {{directory}}/error.log warn;
            events { worker_connections 4096; }
            http {
              access_log off;
              client_body_temp_path {{directory}}/body;
              proxy_temp_path {{directory}}/proxy;
              fastcgi_temp_path {{directory}}/fastcgi;
              uwsgi_temp_path {{directory}}/uwsgi;
              scgi_temp_path {{directory}}/scgi;
              upstream fast { server {{upstream.Host}}:{{upstream.Port}}; keepalive 64; }
              server {
                listen 127.0.0.1:{{port}};
                client_max_body_size 64m;
                location / {
                  proxy_pass http://fast;
                  proxy_http_version 1.1;
                  proxy_set_header Connection "";
                  proxy_buffering off;
                  proxy_request_buffering off;
                }
              }
            }
            """));
        var start = new ProcessStartInfo(binary) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var arg in new[] { "-e", Path.Combine(directory, "error.log"), "-p", directory, "-c", config })
        {
            start.ArgumentList.Add(arg);
        }
        var nginx = Process.Start(start)!;
        for (var i = 0; i < 100; i++)
        {
            if (nginx.HasExited)
            {
                return (null, $"nginx did not start: {await nginx.StandardError.ReadToEndAsync()}{await ErrorLogAsync(directory)}");
            }
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, port);
                return (new NginxHop(nginx, directory, port), null);
            }
            catch (SocketException)
            {
                await Task.Delay(50);
            }
        }
        nginx.Kill(entireProcessTree: true);
        return (null, "nginx did not listen within 5 s");
    }

    private static async Task<string> ErrorLogAsync(string directory) =>
        File.Exists(Path.Combine(directory, "error.log")) ? await File.ReadAllTextAsync(Path.Combine(directory, "error.log")) : "";

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_nginx.HasExited)
        {
            _nginx.Kill(entireProcessTree: true);
            await _nginx.WaitForExitAsync();
        }
        _nginx.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}
