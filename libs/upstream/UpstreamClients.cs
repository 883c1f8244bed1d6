using System.Collections.Concurrent;
namespace GenAiRouter.Upstream;

/// <summary>One pooled HTTP client per upstream base URL, reused across requests (connections stay warm); for ingress and the bridge.</summary>
public sealed class UpstreamClients : IDisposable
{
    private readonly ConcurrentDictionary<(string BaseUrl, TimeSpan ConnectTimeout), HttpClient> _clients = new();

    public HttpClient For(string baseUrl, TimeSpan connectTimeout) =>
        _clients.GetOrAdd((baseUrl, connectTimeout), key => new HttpClient(new SocketsHttpHandler
        {
            ConnectTimeout = key.ConnectTimeout,
            // Upstreams are named by the catalog; no environment proxy setting redirects them.
            UseProxy = false,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            AutomaticDecompression = System.Net.DecompressionMethods.None,
            EnableMultipleHttp2Connections = true,
            UseCookies = false,
            AllowAutoRedirect = false,
        })
        {
            // Timeouts are applied per phase (first byte, idle) by the caller.
            Timeout = Timeout.InfiniteTimeSpan,
        });

    public void Dispose()
    {
        foreach (var client in _clients.Values)
        {
            client.Dispose();
        }
    }
}
