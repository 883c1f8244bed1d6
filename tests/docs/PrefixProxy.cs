using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace GenAiRouter.Docs.Tests;

/// <summary>
/// A reverse proxy on loopback as an ingress controller does it: the router under a path prefix, the prefix stripped on
/// the way in, and <c>X-Forwarded-Host</c>, <c>-Proto</c> and <c>-Prefix</c> saying what the browser used.
/// </summary>
public sealed class PrefixProxy : IAsyncDisposable
{
    private static readonly HashSet<string> HopByHop = new(StringComparer.OrdinalIgnoreCase)
        { "Connection", "Keep-Alive", "Transfer-Encoding", "Upgrade", "Host", "Proxy-Connection" };

    private readonly WebApplication _app;
    private readonly HttpClient _client = new(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false });

    private PrefixProxy(WebApplication app) => _app = app;

    public int Port => new Uri(_app.Urls.Single()).Port;

    public static async Task<PrefixProxy> StartAsync(string prefix, Uri router)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var proxy = new PrefixProxy(app);
        app.Run(http => proxy.ForwardAsync(http, prefix, router));
        await app.StartAsync();
        return proxy;
    }

    private async Task ForwardAsync(HttpContext http, string prefix, Uri router)
    {
        var path = http.Request.Path.Value ?? "/";
        if (!path.StartsWith(prefix + "/", StringComparison.Ordinal))
        {
            http.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }
        using var forward = new HttpRequestMessage(new HttpMethod(http.Request.Method), new Uri(router, path[prefix.Length..] + http.Request.QueryString));
        if (http.Request.ContentLength > 0 || http.Request.Headers.TransferEncoding.Count > 0)
        {
            forward.Content = new StreamContent(http.Request.Body);
        }
        foreach (var (name, values) in http.Request.Headers)
        {
            if (!HopByHop.Contains(name) && !forward.Headers.TryAddWithoutValidation(name, values.ToArray()))
            {
                forward.Content?.Headers.TryAddWithoutValidation(name, values.ToArray());
            }
        }
        forward.Headers.TryAddWithoutValidation("X-Forwarded-Host", http.Request.Host.Value);
        forward.Headers.TryAddWithoutValidation("X-Forwarded-Proto", http.Request.Scheme);
        forward.Headers.TryAddWithoutValidation("X-Forwarded-Prefix", prefix);
        using var answer = await _client.SendAsync(forward, HttpCompletionOption.ResponseHeadersRead, http.RequestAborted);
        http.Response.StatusCode = (int)answer.StatusCode;
        foreach (var (name, values) in answer.Headers.Concat(answer.Content.Headers))
        {
            if (!HopByHop.Contains(name))
            {
                http.Response.Headers[name] = values.ToArray();
            }
        }
        await answer.Content.CopyToAsync(http.Response.Body, http.RequestAborted);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        _client.Dispose();
    }
}
