using Grpc.Health.V1;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace GenAiRouter.Hosting.Tests;

public sealed class TopologyTests
{
    [Theory]
    [InlineData(null, null, Topology.Standalone)]
    [InlineData("", null, Topology.Standalone)]
    [InlineData("auto", null, Topology.Standalone)]
    [InlineData(null, "50001", Topology.Dapr)]
    [InlineData("auto", "50001", Topology.Dapr)]
    [InlineData("standalone", "50001", Topology.Standalone)]
    [InlineData("dapr", null, Topology.Dapr)]
    [InlineData(" DAPR ", null, Topology.Dapr)]
    public void The_topology_follows_the_setting_or_the_sidecar(string? setting, string? daprGrpcPort, Topology expected)
    {
        var configuration = Configuration(("ROUTER_TOPOLOGY", setting), ("DAPR_GRPC_PORT", daprGrpcPort));

        Assert.Equal(expected, TopologySelector.Select(configuration));
    }

    [Fact]
    public void An_unknown_topology_is_a_startup_problem_that_says_what_is_allowed()
    {
        var e = Assert.Throws<StartupException>(() => TopologySelector.Select(Configuration(("ROUTER_TOPOLOGY", "kubernetes"))));

        Assert.Equal("ROUTER_TOPOLOGY must be 'standalone', 'dapr' or 'auto', got 'kubernetes'", e.Message);
    }

    [Fact]
    public async Task Dapr_topology_calls_go_to_the_sidecar_naming_the_target_app()
    {
        var (sidecar, health) = await RecordingHealthService.StartAsync();
        await using var _ = sidecar;
        using var host = ClientHost(("DAPR_GRPC_PORT", sidecar.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)));

        var reply = await host.Services.GetRouterGrpcClient<Health.HealthClient>(RouterApps.Auth).CheckAsync(new HealthCheckRequest());

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, reply.Status);
        Assert.Equal(["auth"], health.AppIds);
    }

    [Fact]
    public async Task Standalone_calls_go_straight_to_the_service_without_sidecar_metadata()
    {
        var (auth, health) = await RecordingHealthService.StartAsync();
        await using var _ = auth;
        using var host = ClientHost(("ROUTER_TOPOLOGY", "standalone"), ("Router:Services:auth", auth.Address.ToString()));

        var reply = await host.Services.GetRouterGrpcClient<Health.HealthClient>(RouterApps.Auth).CheckAsync(new HealthCheckRequest());

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, reply.Status);
        Assert.Equal([null], health.AppIds);
    }

    [Fact]
    public void Standalone_without_a_service_address_is_a_startup_problem_naming_the_setting()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection([new("ROUTER_TOPOLOGY", "standalone")]);

        var e = Assert.Throws<StartupException>(() => builder.AddRouterGrpcClient<Health.HealthClient>(RouterApps.Catalog));

        Assert.Equal("Router:Services:catalog must be the gRPC address of the catalog service in the standalone topology, got ''", e.Message);
    }

    [Theory]
    [InlineData(RouterApps.Ingress, 8081, null, 8080)]
    [InlineData(RouterApps.Auth, 8082, 8083, null)]
    [InlineData(RouterApps.Catalog, 8084, 8085, null)]
    [InlineData(RouterApps.Bridge, 8086, 8087, null)]
    [InlineData(RouterApps.Usage, 8088, 8089, null)]
    public void Standalone_ports_are_laid_out_from_the_ingress_port(string appId, int http, int? grpc, int? door)
    {
        Assert.Equal(new ServicePorts(http, grpc, door), RouterApps.StandalonePorts(appId, 8080));
    }

    [Fact]
    public void The_standalone_ports_are_ten_distinct_ports_from_the_base()
    {
        var ports = RouterApps.All.SelectMany(app => RouterApps.StandalonePorts(app, 8080).All().Select(p => p.Port)).ToList();

        Assert.Equal(Enumerable.Range(8080, 10), ports.Order());
    }

    private static IHost ClientHost(params (string Key, string? Value)[] settings)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)));
        builder.AddRouterGrpcClient<Health.HealthClient>(RouterApps.Auth);
        return builder.Build();
    }

    private static IConfiguration Configuration(params (string Key, string? Value)[] settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value))).Build();
}
