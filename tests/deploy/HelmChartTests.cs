using GenAiRouter.Auth;
using GenAiRouter.Hosting;
using GenAiRouter.Ingress.Caching;
using YamlDotNet.RepresentationModel;

namespace GenAiRouter.Deploy.Tests;

/// <summary>The Helm chart, linted and rendered by the real helm, read back as the cluster would see it.</summary>
public sealed class HelmChartTests
{
    private static readonly string[] Probes = ["startupProbe", "livenessProbe", "readinessProbe"];
    private static readonly string Production = Path.Combine(RouterProcess.RepoRoot, "deploy", "helm", "production-values.yaml");

    [Fact]
    public async Task The_chart_lints_clean()
    {
        var (exit, stdout, stderr) = await Helm.RunAsync("lint", "--strict", Helm.Chart);

        Assert.True(exit == 0, stdout + stderr);
        Assert.Contains("0 chart(s) failed", stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("[WARNING]", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_service_runs_under_a_sidecar_with_the_app_id_others_call_it_by()
    {
        var deployments = Of(await Helm.TemplateAsync(), "Deployment");

        Assert.Equal(RouterApps.All.Order(), deployments.Select(d => d["spec.template.metadata.annotations[dapr.io/enabled]"] is "true" ? AppId(d) : "").Order());
        foreach (var deployment in deployments)
        {
            var app = AppId(deployment);
            var grpc = RouterApps.CalledOverGrpc(app);
            var container = deployment.Items("spec.template.spec.containers").Single();
            var appPort = deployment["spec.template.metadata.annotations[dapr.io/app-port]"];
            Assert.Equal(grpc ? "grpc" : "http", deployment["spec.template.metadata.annotations[dapr.io/app-protocol]"]);
            Assert.Equal(appPort, container.Items("ports").Single(p => p["name"] == (grpc ? "grpc" : "http"))["containerPort"]);
            Assert.Equal(appPort, Env(container, grpc ? "Router__GrpcPort" : "Router__HttpPort"));
            Assert.Equal("dapr", Env(container, "ROUTER_TOPOLOGY"));
            Assert.Equal(app, deployment["spec.selector.matchLabels[app.kubernetes.io/component]"]);
        }
    }

    [Fact]
    public async Task Probes_hit_the_health_endpoints_on_the_port_that_serves_them()
    {
        foreach (var deployment in Of(await Helm.TemplateAsync(), "Deployment"))
        {
            var container = deployment.Items("spec.template.spec.containers").Single();
            Assert.Equal(
                [(ServiceDefaults.LivenessPath, "http"), (ServiceDefaults.LivenessPath, "http"), (ServiceDefaults.ReadinessPath, "http")],
                Probes.Select(p => (container[$"{p}.httpGet.path"], container[$"{p}.httpGet.port"])));
            Assert.Equal(Env(container, "Router__HttpPort"), container.Items("ports").Single(p => p["name"] == "http")["containerPort"]);
        }
    }

    [Fact]
    public async Task Pods_run_non_root_on_a_read_only_root_filesystem_spread_over_nodes()
    {
        foreach (var deployment in Of(await Helm.TemplateAsync(), "Deployment"))
        {
            var container = deployment.Items("spec.template.spec.containers").Single();
            Assert.Equal("true", deployment["spec.template.spec.securityContext.runAsNonRoot"]);
            Assert.Equal(("true", "false"), (container["securityContext.readOnlyRootFilesystem"], container["securityContext.allowPrivilegeEscalation"]));
            Assert.Equal(["ALL"], container.Strings("securityContext.capabilities.drop"));
            Assert.Contains("kubernetes.io/hostname", deployment.Items("spec.template.spec.topologySpreadConstraints").Select(t => t["topologyKey"]));
            Assert.Contains(container.Items("volumeMounts"), m => m["mountPath"] == "/tmp");
        }
    }

    [Fact]
    public async Task Each_service_scales_on_its_own_and_keeps_capacity_through_disruptions()
    {
        var production = await Helm.TemplateAsync(Production);
        var deployments = Of(production, "Deployment").Select(d => d.Name).ToList();

        Assert.Equal(deployments.Order(), Of(production, "HorizontalPodAutoscaler").Select(h => h["spec.scaleTargetRef.name"]!).Order());
        Assert.All(Of(production, "HorizontalPodAutoscaler"), h => Assert.Equal("3", h["spec.minReplicas"]));
        Assert.Equal(deployments.Order(), Of(production, "PodDisruptionBudget").Select(p => p.Name).Order());
        Assert.Equal(4, Of(await Helm.TemplateAsync(), "HorizontalPodAutoscaler").Count);
    }

    [Fact]
    public async Task Only_ingress_is_exposed_and_with_tls_when_asked()
    {
        var defaults = await Helm.TemplateAsync();
        var production = await Helm.TemplateAsync(Production);

        var service = Assert.Single(Of(defaults, "Service"));
        Assert.Equal("ingress", service["spec.selector[app.kubernetes.io/component]"]);
        Assert.Empty(Of(defaults, "Ingress"));
        var ingress = Assert.Single(Of(production, "Ingress"));
        Assert.Equal(("router.example.com", "router-example-com-tls"), (ingress.Items("spec.tls").Single().Strings("hosts").Single(), ingress.Items("spec.tls").Single()["secretName"]));
        Assert.Equal(service.Name, ingress.Items("spec.rules").Single().Items("http.paths").Single()["backend.service.name"]);
    }

    [Fact]
    public async Task Each_dapr_component_is_visible_only_to_the_apps_that_use_it()
    {
        var components = Of(await Helm.TemplateAsync(), "Component").ToDictionary(c => c.Name);

        Assert.Equal(["ingress"], components[ResponseCache.StoreName].Strings("scopes"));
        Assert.Equal(["auth"], components[TokenRegistry.StoreName].Strings("scopes"));
        Assert.Equal(["ingress", "usage"], components[Topics.WorkQueue].Strings("scopes"));
        Assert.Equal(["auth", "ingress"], components[Topics.Broadcast].Strings("scopes"));
        Assert.Equal("{podName}", components[Topics.Broadcast].Items("spec.metadata").Single(m => m["name"] == "consumerID")["value"]);
        Assert.Equal(4, components.Count);
    }

    [Fact]
    public async Task The_charts_subscriptions_and_resiliency_are_the_ones_local_sidecar_runs_use()
    {
        var chart = await Helm.TemplateAsync();
        var local = Manifest.Load(Directory.GetFiles(Path.Combine(RouterProcess.RepoRoot, "components"), "*.yaml"));

        foreach (var kind in new[] { "Subscription", "Resiliency" })
        {
            var rendered = Of(chart, kind).OrderBy(m => m.Name).Select(m => Canonical(m.Node("spec")!)).ToList();
            var expected = Of(local, kind).OrderBy(m => m.Name).Select(m => Canonical(m.Node("spec")!)).ToList();
            Assert.Equal(expected, rendered);
        }
    }

    [Fact]
    public async Task No_secret_value_is_rendered_only_references_to_existing_secrets()
    {
        foreach (var manifests in new[] { await Helm.TemplateAsync(), await Helm.TemplateAsync(Production) })
        {
            Assert.Empty(Of(manifests, "Secret"));
            foreach (var container in Of(manifests, "Deployment").SelectMany(d => d.Items("spec.template.spec.containers")))
            {
                foreach (var env in container.Items("env").Where(e => e["name"] is { } n && (n.Contains("KEY", StringComparison.Ordinal) || n.EndsWith("_DB", StringComparison.Ordinal))))
                {
                    Assert.Null(env["value"]);
                    Assert.NotNull(env["valueFrom.secretKeyRef.name"]);
                }
            }
            foreach (var component in Of(manifests, "Component"))
            {
                Assert.All(component.Items("spec.metadata").Where(m => m["name"] is "redisPassword" or "connectionString"), m => Assert.Null(m["value"]));
            }
        }
    }

    [Fact]
    public async Task Production_values_put_usage_in_postgresql_and_the_default_keeps_sqlite_on_a_volume()
    {
        var usage = Of(await Helm.TemplateAsync(Production), "Deployment").Single(d => AppId(d) == "usage");
        var container = usage.Items("spec.template.spec.containers").Single();
        Assert.Equal("genai-router-usage-db", container.Items("env").Single(e => e["name"] == "ROUTER_USAGE_DB")["valueFrom.secretKeyRef.name"]);

        var defaults = await Helm.TemplateAsync();
        var claim = Assert.Single(Of(defaults, "PersistentVolumeClaim"));
        var volumes = Of(defaults, "Deployment").Single(d => AppId(d) == "usage").Items("spec.template.spec.volumes");
        Assert.Equal(claim.Name, volumes.Single(v => v["name"] == "data")["persistentVolumeClaim.claimName"]);
    }

    [Fact]
    public async Task A_gateway_api_route_reaches_ingress_when_asked()
    {
        using var values = await Helm.ValuesAsync("httpRoute: { enabled: true, parentRefs: [{ name: public, namespace: gateways, sectionName: https }], hostnames: [router.example.com], requestTimeout: 30m }");

        var defaults = await Helm.TemplateAsync();
        var routed = await Helm.TemplateAsync(values.Path);

        Assert.Empty(Of(defaults, "HTTPRoute"));
        var service = Assert.Single(Of(routed, "Service"));
        var route = Assert.Single(Of(routed, "HTTPRoute"));
        Assert.Equal(("public", "gateways", "https"), (route.Items("spec.parentRefs").Single()["name"], route.Items("spec.parentRefs").Single()["namespace"], route.Items("spec.parentRefs").Single()["sectionName"]));
        Assert.Equal("router.example.com", route.Strings("spec.hostnames").Single());
        var rule = route.Items("spec.rules").Single();
        Assert.Equal("/v1", rule.Items("matches").Single()["path.value"]);
        Assert.Equal("30m", rule["timeouts.request"]);
        Assert.Equal((service.Name, service.Items("spec.ports").Single()["port"]), (rule.Items("backendRefs").Single()["name"], rule.Items("backendRefs").Single()["port"]));
    }

    public static TheoryData<string, string> BadValues => new()
    {
        { "httpRoute: { enabled: true }", "/httpRoute/parentRefs" },
        { "httpRoute: { enabled: true, parentRefs: [{ name: public }], requestTimeout: forever }", "/httpRoute/requestTimeout" },
        { "services: { ingress: { replicas: three } }", "/services/ingress/replicas" },
        { "services: { gateway: { replicas: 1 } }", "'gateway' not allowed" },
        { "services: { auth: { replicas: 0 } }", "/services/auth/replicas" },
        { "secrets: { adminKey: { existingSecret: '' } }", "/secrets/adminKey/existingSecret" },
        { "dapr: { components: { cache: { type: redis } } }", "/dapr/components/cache/type" },
    };

    [Theory]
    [MemberData(nameof(BadValues))]
    public async Task Bad_values_fail_with_a_message_naming_the_value(string values, string named)
    {
        using var file = await Helm.ValuesAsync(values);

        var (exit, _, stderr) = await Helm.RunAsync("template", "router", Helm.Chart, "-f", file.Path);

        Assert.NotEqual(0, exit);
        Assert.Contains(named, stderr, StringComparison.Ordinal);
    }

    private static List<Manifest> Of(IEnumerable<Manifest> manifests, string kind) => manifests.Where(m => m.Kind == kind).ToList();

    private static string AppId(Manifest deployment) => deployment["spec.template.metadata.annotations[dapr.io/app-id]"] ?? "";

    private static string? Env(Manifest container, string name) => container.Items("env").SingleOrDefault(e => e["name"] == name)?["value"];

    /// <summary>A node as text with mapping keys sorted, so two documents compare by content, not layout.</summary>
    private static string Canonical(YamlNode node) => node switch
    {
        YamlMappingNode map => "{" + string.Join(",", map.Children.OrderBy(c => ((YamlScalarNode)c.Key).Value, StringComparer.Ordinal)
            .Select(c => $"{((YamlScalarNode)c.Key).Value}:{Canonical(c.Value)}")) + "}",
        YamlSequenceNode list => "[" + string.Join(",", list.Children.Select(Canonical)) + "]",
        YamlScalarNode scalar => scalar.Value ?? "",
        _ => "",
    };
}
