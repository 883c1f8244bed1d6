using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.ClientFactory;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace GenAiRouter.Hosting;

/// <summary>Typed gRPC clients to the other services, addressed per topology.</summary>
public static class RouterGrpcClients
{
    /// <summary>
    /// Registers <typeparamref name="TClient"/> for calls to <paramref name="appId"/>. Standalone: straight to the
    /// address in <c>Router:Services:&lt;appId&gt;</c>. Dapr: to the local sidecar, which proxies by the
    /// <c>dapr-app-id</c> metadata entry (and adds mTLS, retries and timeouts from the Resiliency spec). Every call
    /// carries this service's internal credential.
    /// </summary>
    public static IHttpClientBuilder AddRouterGrpcClient<TClient>(this IHostApplicationBuilder builder, string appId)
        where TClient : ClientBase
    {
        var address = Address(builder.Configuration, appId);
        var client = builder.Services
            .AddGrpcClient<TClient>(ClientName<TClient>(appId), options => options.Address = address)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                EnableMultipleHttp2Connections = true,
                PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
                KeepAlivePingDelay = TimeSpan.FromSeconds(30),
                KeepAlivePingTimeout = TimeSpan.FromSeconds(10),
            });
        var daprAppId = TopologySelector.Select(builder.Configuration) == Topology.Dapr ? appId : null;
        client.AddInterceptor(services => new OutgoingCallInterceptor(daprAppId, services.GetService<InternalCredential>()));
        // Lets services take the client as a constructor parameter.
        builder.Services.AddTransient(sp => sp.GetRouterGrpcClient<TClient>(appId));
        return client;
    }

    /// <summary>The client registered for <paramref name="appId"/> by <see cref="AddRouterGrpcClient{TClient}"/>.</summary>
    public static TClient GetRouterGrpcClient<TClient>(this IServiceProvider services, string appId) where TClient : ClientBase =>
        services.GetRequiredService<GrpcClientFactory>().CreateClient<TClient>(ClientName<TClient>(appId));

    public static Uri Address(IConfiguration configuration, string appId)
    {
        if (TopologySelector.Select(configuration) == Topology.Dapr)
        {
            var endpoint = configuration["DAPR_GRPC_ENDPOINT"];
            return endpoint is { Length: > 0 } ? new Uri(endpoint) : new Uri($"http://127.0.0.1:{configuration["DAPR_GRPC_PORT"]}");
        }
        var configured = configuration[$"Router:Services:{appId}"];
        return Uri.TryCreate(configured, UriKind.Absolute, out var uri)
            ? uri
            : throw new StartupException($"Router:Services:{appId} must be the gRPC address of the {appId} service in the standalone topology, got '{configured}'");
    }

    private static string ClientName<TClient>(string appId) => $"{appId}:{typeof(TClient).FullName}";

    /// <summary>Adds what every internal call carries: the internal credential, and under Dapr the target app id.</summary>
    private sealed class OutgoingCallInterceptor : Interceptor
    {
        private readonly Metadata.Entry[] _entries;

        public OutgoingCallInterceptor(string? daprAppId, InternalCredential? credential)
        {
            var entries = new List<Metadata.Entry>(2);
            if (daprAppId is not null)
            {
                entries.Add(new Metadata.Entry("dapr-app-id", daprAppId));
            }
            if (credential?.OutboundValue is { } value)
            {
                entries.Add(new Metadata.Entry(credential.OutboundHeader, value));
            }
            _entries = [.. entries];
        }

        public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(
            TRequest request, ClientInterceptorContext<TRequest, TResponse> context, AsyncUnaryCallContinuation<TRequest, TResponse> continuation) =>
            continuation(request, WithEntries(context));

        public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(
            TRequest request, ClientInterceptorContext<TRequest, TResponse> context, AsyncServerStreamingCallContinuation<TRequest, TResponse> continuation) =>
            continuation(request, WithEntries(context));

        private ClientInterceptorContext<TRequest, TResponse> WithEntries<TRequest, TResponse>(ClientInterceptorContext<TRequest, TResponse> context)
            where TRequest : class where TResponse : class
        {
            if (_entries.Length == 0)
            {
                return context;
            }
            var headers = context.Options.Headers ?? [];
            foreach (var entry in _entries)
            {
                headers.Add(entry);
            }
            return new ClientInterceptorContext<TRequest, TResponse>(context.Method, context.Host, context.Options.WithHeaders(headers));
        }
    }
}
