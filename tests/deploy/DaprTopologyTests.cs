using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using DotNet.Testcontainers.Builders;
using DotNet.Testcontainers.Networks;
using GenAiRouter.Hosting;
using StackExchange.Redis;

namespace GenAiRouter.Deploy.Tests;

/// <summary>
/// The five services in the Dapr topology under real sidecars: a daprd container per service and a Redis container,
/// the resources from components/. Needs a Docker engine; without one every test here is skipped, saying so.
/// </summary>
public sealed class DaprTopologyFixture : IAsyncLifetime
{
    public const string DaprImage = "daprio/daprd:1.16.0";
    public const string AdminKey = "dapr-topology-admin-key";
    public const string AppToken = "dapr-topology-app-token";
    private readonly string _dir = Directory.CreateTempSubdirectory("dapr-topology-").FullName;
    private readonly List<IAsyncDisposable> _resources = [];

    public string? Unavailable { get; private set; }
    public ScriptedUpstream Upstream { get; private set; } = null!;
    public int IngressPort { get; private set; }
    public int AuthGrpcPort { get; private set; }
    public int UsageHttpPort { get; private set; }
    public string RedisConnection { get; private set; } = "";

    public async ValueTask InitializeAsync()
    {
        INetwork network;
        try
        {
            network = new NetworkBuilder().Build();
            await network.CreateAsync();
        }
        catch (DockerUnavailableException e)
        {
            Unavailable = $"no Docker engine is reachable ({e.Message.Split('\n')[0]}); the Dapr topology tests (daprd and Redis containers) did not run";
            return;
        }
        _resources.Add(network);
        var redis = new ContainerBuilder("redis:7-alpine").WithNetwork(network).WithNetworkAliases("redis")
            .WithPortBinding(6379, assignRandomHostPort: true).WithWaitStrategy(Wait.ForUnixContainer().UntilMessageIsLogged("Ready to accept connections")).Build();
        await redis.StartAsync();
        _resources.Add(redis);
        RedisConnection = $"127.0.0.1:{redis.GetMappedPublicPort(6379)}";

        // Ingress runs on this host, so the upstream stays on loopback.
        Upstream = await ScriptedUpstream.StartAsync();
        _resources.Add(Upstream);
        var components = Path.Combine(_dir, "components");
        Directory.CreateDirectory(components);
        foreach (var file in Directory.GetFiles(Path.Combine(RouterProcess.RepoRoot, "components"), "*.yaml"))
        {
            // Inside the Docker network Redis is "redis"; everything else is the repository's resources as they are.
            await File.WriteAllTextAsync(Path.Combine(components, Path.GetFileName(file)),
                (await File.ReadAllTextAsync(file)).Replace("localhost:6379", "redis:6379", StringComparison.Ordinal));
        }
        var config = Path.Combine(_dir, "router.yaml");
        await File.WriteAllTextAsync(config, $$"""
            groups:
              coder:
                cache: { ttl: 5m }
                targets:
                  - { name: up, api: responses, base_url: {{Upstream.BaseUrl}}, model: m, capabilities: [streaming], prices: { input_per_mtok: 1, output_per_mtok: 1 } }
            """);

        var basePort = RouterProcess.FreePortRange(10);
        foreach (var app in RouterApps.All)
        {
            var ports = RouterApps.StandalonePorts(app, basePort);
            var grpcApp = RouterApps.CalledOverGrpc(app);
            var sidecar = new ContainerBuilder(DaprImage).WithNetwork(network).WithNetworkAliases($"{app}-dapr")
                .WithExtraHost("host.docker.internal", "host-gateway")
                .WithBindMount(components, "/components")
                .WithPortBinding(50001, assignRandomHostPort: true).WithPortBinding(3500, assignRandomHostPort: true)
                // The sidecar presents the app token on every call to its app; the app accepts nothing else.
                .WithEnvironment("APP_API_TOKEN", AppToken)
                .WithCommand("./daprd", "--app-id", app, "--app-port", (grpcApp ? ports.Grpc!.Value : ports.Http).ToString(CultureInfo.InvariantCulture),
                    "--app-protocol", grpcApp ? "grpc" : "http", "--app-channel-address", "host.docker.internal",
                    "--dapr-grpc-port", "50001", "--dapr-http-port", "3500", "--resources-path", "/components", "--config", "/components/config.yaml")
                // The sidecar's API is up before its app is: the app is started next, and the sidecar finds it then.
                .WithWaitStrategy(Wait.ForUnixContainer().UntilMessageIsLogged(new System.Text.RegularExpressions.Regex("gRPC server .*50001")))
                .Build();
            await sidecar.StartAsync();
            _resources.Add(sidecar);
            var service = RouterProcess.Service($"GenAiRouter.{char.ToUpperInvariant(app[0])}{app[1..]}", new()
            {
                ["ROUTER_TOPOLOGY"] = "dapr",
                ["DAPR_GRPC_PORT"] = sidecar.GetMappedPublicPort(50001).ToString(CultureInfo.InvariantCulture),
                ["DAPR_HTTP_PORT"] = sidecar.GetMappedPublicPort(3500).ToString(CultureInfo.InvariantCulture),
                ["ROUTER_CONFIG"] = config,
                ["ROUTER_DATA_DIR"] = Path.Combine(_dir, "data", app),
                ["ROUTER_ADMIN_KEY"] = AdminKey,
                ["APP_API_TOKEN"] = AppToken,
                // The sidecars reach the apps through the Docker host gateway.
                ["Router__BindAddress"] = "0.0.0.0",
                ["Router__HttpPort"] = ports.Http.ToString(CultureInfo.InvariantCulture),
                ["Router__GrpcPort"] = ports.Grpc is { } grpc ? grpc.ToString(CultureInfo.InvariantCulture) : "none",
                ["Router__PublicPort"] = ports.Public is { } door ? door.ToString(CultureInfo.InvariantCulture) : "",
            });
            _resources.Add(service);
            await service.WaitForOutputAsync("Application started", TimeSpan.FromSeconds(60));
        }
        IngressPort = RouterApps.StandalonePorts(RouterApps.Ingress, basePort).Public!.Value;
        AuthGrpcPort = RouterApps.StandalonePorts(RouterApps.Auth, basePort).Grpc!.Value;
        UsageHttpPort = RouterApps.StandalonePorts(RouterApps.Usage, basePort).Http;
    }

    public void RequireDocker()
    {
        if (Unavailable is not null)
        {
            throw Xunit.Sdk.SkipException.ForSkip(Unavailable);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var resource in Enumerable.Reverse(_resources))
        {
            await resource.DisposeAsync();
        }
        Directory.Delete(_dir, recursive: true);
    }
}

public sealed class DaprTopologyTests(DaprTopologyFixture dapr) : IClassFixture<DaprTopologyFixture>, IDisposable
{
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };

    [Fact]
    public async Task Ingress_reaches_auth_and_catalog_through_the_sidecars_gRPC_proxy()
    {
        dapr.RequireDocker();
        var token = await IssueTokenAsync("alice", "web");

        using var models = await SendAsync(HttpMethod.Get, "/v1/models", token);

        Assert.Equal(HttpStatusCode.OK, models.StatusCode);
        Assert.Equal("coder", JsonDocument.Parse(await models.Content.ReadAsStringAsync()).RootElement.GetProperty("data")[0].GetProperty("id").GetString());
    }

    [Fact]
    public async Task Usage_events_travel_over_dapr_pubsub_to_the_usage_service_and_the_cache_lives_in_the_dapr_state_store()
    {
        dapr.RequireDocker();
        var token = await IssueTokenAsync("bob", "pubsub");
        var body = """{"model":"coder","input":"through dapr"}""";

        using var miss = await SendAsync(HttpMethod.Post, "/v1/responses", token, body);
        using var hit = await SendAsync(HttpMethod.Post, "/v1/responses", token, body);

        Assert.Equal(("miss", "hit"), (miss.Headers.GetValues("x-router-cache").Single(), hit.Headers.GetValues("x-router-cache").Single()));
        await using (var redis = await ConnectionMultiplexer.ConnectAsync(dapr.RedisConnection))
        {
            // Dapr's Redis state store keys entries as <app-id>||<key>.
            Assert.NotEmpty(redis.GetServer(redis.GetEndPoints()[0]).Keys(pattern: "ingress||resp:v1:*"));
        }
        var deadline = DateTime.UtcNow.AddSeconds(30);
        long requests = 0;
        while (requests < 2 && DateTime.UtcNow < deadline)
        {
            using var query = new HttpRequestMessage(HttpMethod.Get, new Uri($"http://127.0.0.1:{dapr.UsageHttpPort}/usage?project=pubsub&format=json"));
            query.Headers.Add(AdminCredential.Header, DaprTopologyFixture.AdminKey);
            using var response = await _http.SendAsync(query);
            requests = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("total").GetProperty("requests").GetInt64();
            await Task.Delay(250);
        }
        Assert.Equal(2, requests);
    }

    public void Dispose() => _http.Dispose();

    private async Task<string> IssueTokenAsync(string user, string project)
    {
        await using var cli = RouterProcess.Cli(new Dictionary<string, string>
        {
            ["ROUTER_ADMIN_KEY"] = DaprTopologyFixture.AdminKey,
            ["ROUTER_AUTH_URL"] = $"http://127.0.0.1:{dapr.AuthGrpcPort}",
        }, "token", "issue", "--user", user, "--project", project, "--env", "dev", "--groups", "coder");
        Assert.Equal(0, await cli.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        return cli.Stdout.Split('\n')[0].Trim();
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string token, string? body = null)
    {
        using var request = new HttpRequestMessage(method, new Uri($"http://127.0.0.1:{dapr.IngressPort}{path}"));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }
        return await _http.SendAsync(request);
    }
}
