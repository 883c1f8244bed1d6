using System.Net;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;

namespace GenAiRouter.Hosting;

/// <summary>Which of a service's listeners a connection arrived on; endpoints are reachable on some only.</summary>
public enum Listener
{
    /// <summary>HTTP/1.1 and h2c gRPC for the other services and the operator; bound to loopback by default.</summary>
    Internal,
    /// <summary>Ingress's door to the outside world.</summary>
    Public,
    /// <summary>Probes only, for a kubelet that cannot reach loopback.</summary>
    Health,
}

/// <summary>
/// A service's listeners. Internal: HTTP/1.1 on <c>Router:HttpPort</c> (events, probes, the operator's HTTP API) and
/// cleartext HTTP/2 on <c>Router:GrpcPort</c> (gRPC; <c>none</c> for none), both on <c>Router:BindAddress</c> (default
/// 127.0.0.1: in a pod only the sidecar reaches them). Public (ingress): <c>Router:PublicPort</c> on
/// <c>Router:PublicBindAddress</c> (default 0.0.0.0). Health: <c>Router:HealthPort</c> on
/// <c>Router:HealthBindAddress</c> (default 0.0.0.0), answering probes and nothing else.
/// </summary>
public static class Listeners
{
    private const string Key = "router.listener";

    public static void Configure(IWebHostBuilder webHost, IConfiguration configuration)
    {
        var bind = Address(configuration, "Router:BindAddress", IPAddress.Loopback);
        var httpPort = Port(configuration, "Router:HttpPort") ?? 8080;
        var grpcPort = string.Equals(configuration["Router:GrpcPort"], "none", StringComparison.OrdinalIgnoreCase) ? (int?)null : Port(configuration, "Router:GrpcPort") ?? 8081;
        var publicPort = Port(configuration, "Router:PublicPort");
        var publicBind = Address(configuration, "Router:PublicBindAddress", IPAddress.Any);
        var healthPort = Port(configuration, "Router:HealthPort");
        var healthBind = Address(configuration, "Router:HealthBindAddress", IPAddress.Any);
        webHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            // Bodies are limited by the router's own configured limit (limits.max_body_mb), which answers in the door's
            // shape; so are heads, within twice Kestrel's defaults (beyond those Kestrel refuses, with an empty body).
            kestrel.Limits.MaxRequestBodySize = null;
            kestrel.Limits.MaxRequestHeaderCount = 200;
            kestrel.Limits.MaxRequestHeadersTotalSize = 64 * 1024;
            kestrel.Limits.MaxRequestLineSize = 16 * 1024;
            if (publicPort is { } publicListener)
            {
                kestrel.Listen(publicBind, publicListener, o => Mark(o, Listener.Public, HttpProtocols.Http1AndHttp2));
            }
            kestrel.Listen(bind, httpPort, o => Mark(o, Listener.Internal, HttpProtocols.Http1));
            if (grpcPort is { } grpc)
            {
                kestrel.Listen(bind, grpc, o => Mark(o, Listener.Internal, HttpProtocols.Http2));
            }
            if (healthPort is { } health)
            {
                kestrel.Listen(healthBind, health, o => Mark(o, Listener.Health, HttpProtocols.Http1));
            }
        });
    }

    /// <summary>The listener the request's connection arrived on.</summary>
    public static Listener Of(HttpContext http) =>
        http.Features.Get<IConnectionItemsFeature>()?.Items.TryGetValue(Key, out var listener) == true && listener is Listener known ? known : Listener.Internal;

    private static void Mark(ListenOptions options, Listener listener, HttpProtocols protocols)
    {
        options.Protocols = protocols;
        options.Use(next => connection =>
        {
            connection.Items[Key] = listener;
            return next(connection);
        });
    }

    private static IPAddress Address(IConfiguration configuration, string key, IPAddress fallback) =>
        configuration[key] is { Length: > 0 } text
            ? IPAddress.TryParse(text, out var parsed) ? parsed : throw new StartupException($"{key} is not an IP address: '{text}'")
            : fallback;

    private static int? Port(IConfiguration configuration, string key)
    {
        var text = configuration[key];
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }
        return int.TryParse(text, out var port) && port is >= 0 and <= 65535
            ? port
            : throw new StartupException($"{key} must be a port number, got '{text}'");
    }
}
