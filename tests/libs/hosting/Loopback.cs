using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace GenAiRouter.Hosting.Tests;

/// <summary>A real Kestrel server on a free loopback port, for the peers a test talks to.</summary>
public sealed class Loopback : IAsyncDisposable
{
    private readonly WebApplication _app;

    private Loopback(WebApplication app) => _app = app;

    public Uri Address => new(_app.Urls.Single());

    public int Port => Address.Port;

    public IServiceProvider Services => _app.Services;

    /// <param name="http2">Cleartext HTTP/2 only, as gRPC peers speak; otherwise HTTP/1.1.</param>
    public static async Task<Loopback> StartAsync(bool http2, Action<WebApplicationBuilder> configure, Action<WebApplication> map)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(k => k.Listen(System.Net.IPAddress.Loopback, 0, o => o.Protocols = http2 ? HttpProtocols.Http2 : HttpProtocols.Http1));
        configure(builder);
        var app = builder.Build();
        map(app);
        await app.StartAsync();
        return new Loopback(app);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
