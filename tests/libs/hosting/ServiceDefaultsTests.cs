using System.Net;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;

namespace GenAiRouter.Hosting.Tests;

public sealed class ServiceDefaultsTests
{
    internal const string InternalToken = "service-defaults-internal-token";

    [Fact]
    public async Task A_started_service_is_live_and_ready_over_http_and_grpc()
    {
        await using var service = await StartServiceAsync(RouterApps.Bridge);
        using var http = new HttpClient();

        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(service.Http("/healthz"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(service.Http("/readyz"))).StatusCode);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, await GrpcHealthAsync(service));
    }

    [Fact]
    public async Task Readiness_follows_the_services_it_depends_on_while_liveness_does_not()
    {
        var (auth, authHealth) = await RecordingHealthService.StartAsync();
        await using var _ = auth;
        await using var service = await StartServiceAsync(RouterApps.Ingress,
            b => b.AddServiceDependency(RouterApps.Auth),
            ("Router:Services:auth", auth.Address.ToString()));
        using var http = new HttpClient();

        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(service.Http("/readyz"))).StatusCode);

        authHealth.Status = HealthCheckResponse.Types.ServingStatus.NotServing;

        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await http.GetAsync(service.Http("/readyz"))).StatusCode);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.NotServing, await GrpcHealthAsync(service));
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(service.Http("/healthz"))).StatusCode);
    }

    [Fact]
    public async Task A_dependency_that_is_not_running_makes_the_service_unready_and_readyz_says_which()
    {
        await using var service = await StartServiceAsync(RouterApps.Ingress,
            b => b.AddServiceDependency(RouterApps.Catalog),
            ("Router:Services:catalog", $"http://127.0.0.1:{FreePort()}"));
        using var http = new HttpClient();

        var response = await http.GetAsync(service.Http("/readyz"));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.StartsWith("Unhealthy: ", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Contains("catalog unreachable (Unavailable)", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private static async Task<HealthCheckResponse.Types.ServingStatus> GrpcHealthAsync(RunningService service)
    {
        using var channel = GrpcChannel.ForAddress(service.GrpcAddress);
        return (await new Health.HealthClient(channel).CheckAsync(new HealthCheckRequest())).Status;
    }

    internal static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    internal static async Task<RunningService> StartServiceAsync(string appId, Action<WebApplicationBuilder>? configure = null, params (string Key, string Value)[] settings)
    {
        var builder = WebApplication.CreateBuilder();
        builder.Configuration.AddInMemoryCollection(
            new Dictionary<string, string?>
            {
                ["ROUTER_TOPOLOGY"] = "standalone",
                ["Router:BindAddress"] = "127.0.0.1",
                ["Router:HttpPort"] = "0",
                ["Router:GrpcPort"] = "0",
                [InternalCredential.StandaloneVariable] = InternalToken,
            }.Concat(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value))));
        builder.AddServiceDefaults(appId);
        configure?.Invoke(builder);
        var app = builder.Build();
        app.MapServiceDefaults();
        await app.StartAsync();
        return new RunningService(app);
    }

    internal sealed class RunningService(WebApplication app) : IAsyncDisposable
    {
        // Kestrel lists the addresses in the order they were configured: HTTP/1.1 first, then gRPC.
        public Uri Http(string path) => new(new Uri(app.Urls.First()), path);

        public Uri GrpcAddress => new(app.Urls.Last());

        public IServiceProvider Services => app.Services;

        public async ValueTask DisposeAsync()
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }
}
