using System.Globalization;
using GenAiRouter.Auth;
using GenAiRouter.Hosting;
using GenAiRouter.Ingress.Caching;

namespace GenAiRouter.Deploy.Tests;

/// <summary>components/ and dapr.yaml (local runs under real sidecars) agree with the names the code uses.</summary>
public sealed class DaprResourcesTests
{
    private static readonly string Components = Path.Combine(RouterProcess.RepoRoot, "components");
    private static readonly IReadOnlyList<Manifest> Resources = Manifest.Load(Directory.GetFiles(Components, "*.yaml"));

    [Fact]
    public void Each_state_store_the_services_open_exists_and_only_its_service_sees_it()
    {
        Assert.Equal(["ingress"], Component(ResponseCache.StoreName).Strings("scopes"));
        Assert.Equal(["auth"], Component(TokenRegistry.StoreName).Strings("scopes"));
        Assert.All(new[] { ResponseCache.StoreName, TokenRegistry.StoreName }, name => Assert.StartsWith("state.", Component(name)["spec.type"], StringComparison.Ordinal));
    }

    [Fact]
    public void Each_topic_travels_on_its_pubsub_and_is_subscribed_on_the_route_its_service_serves()
    {
        var usage = Subscription(Topics.Usage);
        Assert.Equal((Topics.PubSubOf(Topics.Usage), Topics.Route(Topics.Usage)), (usage["spec.pubsubname"], usage["spec.routes.default"]));
        Assert.Equal(["usage"], usage.Strings("scopes"));
        Assert.False(string.IsNullOrEmpty(usage["spec.deadLetterTopic"]), "usage events that can never be stored need a dead-letter topic");

        var revoked = Subscription(Topics.TokenRevoked);
        Assert.Equal((Topics.PubSubOf(Topics.TokenRevoked), Topics.Route(Topics.TokenRevoked)), (revoked["spec.pubsubname"], revoked["spec.routes.default"]));
        Assert.Equal(["ingress"], revoked.Strings("scopes"));
    }

    [Fact]
    public void The_broadcast_pubsub_gives_every_replica_its_own_consumer_group_and_the_work_queue_does_not()
    {
        var broadcast = Component(Topics.Broadcast);
        var consumer = broadcast.Items("spec.metadata").Single(m => m["name"] == "consumerID")["value"];
        Assert.True(consumer is "{uuid}" or "{podName}", $"consumerID is {consumer}");
        Assert.Equal(["auth", "ingress"], broadcast.Strings("scopes").Order());

        Assert.DoesNotContain(Component(Topics.WorkQueue).Items("spec.metadata"), m => m["name"] == "consumerID");
        Assert.Equal(["ingress", "usage"], Component(Topics.WorkQueue).Strings("scopes").Order());
    }

    [Fact]
    public void Usage_delivery_is_retried_without_end_and_streaming_services_get_no_timeout()
    {
        var resiliency = Resources.Single(r => r.Kind == "Resiliency");
        var delivery = resiliency[$"spec.targets.components.{Topics.WorkQueue}.inbound.retry"]!;
        Assert.Equal("-1", resiliency[$"spec.policies.retries.{delivery}.maxRetries"]);
        Assert.Null(resiliency["spec.targets.apps.catalog.timeout"]);
        Assert.Null(resiliency["spec.targets.apps.bridge.timeout"]);
        Assert.NotNull(resiliency["spec.targets.apps.auth.timeout"]);
    }

    [Fact]
    public void Dapr_multi_app_run_starts_every_service_on_the_port_and_protocol_its_sidecar_needs()
    {
        var run = Manifest.Load(Path.Combine(RouterProcess.RepoRoot, "dapr.yaml")).Single();
        var apps = run.Items("apps").ToList();

        Assert.Equal(RouterApps.All.Order(), apps.Select(a => a["appID"]!).Order());
        foreach (var app in apps)
        {
            var id = app["appID"]!;
            var grpc = RouterApps.CalledOverGrpc(id);
            Assert.Equal(grpc ? "grpc" : "http", app["appProtocol"]);
            Assert.Equal(app[grpc ? "env.Router__GrpcPort" : "env.Router__HttpPort"], app["appPort"]);
            Assert.True(Directory.Exists(Path.Combine(RouterProcess.RepoRoot, app["appDirPath"]!)), $"{id}: {app["appDirPath"]}");
        }
        Assert.Equal("dapr", run["common.env.ROUTER_TOPOLOGY"]);
        Assert.True(File.Exists(Path.Combine(RouterProcess.RepoRoot, "services", "ingress", run["common.env.ROUTER_CONFIG"]!)));
        Assert.Equal(8080, int.Parse(apps.Single(a => a["appID"] == "ingress")["env.Router__PublicPort"]!, CultureInfo.InvariantCulture));
    }

    private static Manifest Component(string name) => Resources.Single(r => r.Kind == "Component" && r.Name == name);

    private static Manifest Subscription(string topic) => Resources.Single(r => r.Kind == "Subscription" && r["spec.topic"] == topic);
}
