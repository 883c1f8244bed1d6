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
            Assert.Equal(appPort, Env(container, grpc ? "Router__GrpcPort" : "Router__HttpPort"));
            Assert.Equal("dapr", Env(container, "ROUTER_TOPOLOGY"));
            Assert.Equal(app, deployment["spec.selector.matchLabels[app.kubernetes.io/component]"]);
        }
    }

    [Fact]
    public async Task Probes_hit_the_health_endpoints_on_the_probes_only_port()
    {
        foreach (var deployment in Of(await Helm.TemplateAsync(), "Deployment"))
        {
            var container = deployment.Items("spec.template.spec.containers").Single();
            Assert.Equal(
                [(ServiceDefaults.LivenessPath, "health"), (ServiceDefaults.LivenessPath, "health"), (ServiceDefaults.ReadinessPath, "health")],
                Probes.Select(p => (container[$"{p}.httpGet.path"], container[$"{p}.httpGet.port"])));
            Assert.Equal(Env(container, "Router__HealthPort"), container.Items("ports").Single(p => p["name"] == "health")["containerPort"]);
        }
    }

    [Fact]
    public async Task No_app_port_listens_beyond_loopback_but_ingress_public_door_and_the_probes_port()
    {
        foreach (var deployment in Of(await Helm.TemplateAsync(), "Deployment"))
        {
            var app = AppId(deployment);
            var container = deployment.Items("spec.template.spec.containers").Single();

            Assert.Equal("127.0.0.1", Env(container, "Router__BindAddress"));
            Assert.Equal("0.0.0.0", Env(container, "Router__HealthBindAddress"));
            var exposed = container.Items("ports").Select(p => p["name"]!).Order().ToList();
            if (app == RouterApps.Ingress)
            {
                Assert.Equal(["health", "public"], exposed);
                Assert.Equal("0.0.0.0", Env(container, "Router__PublicBindAddress"));
                Assert.Equal(Env(container, "Router__PublicPort"), container.Items("ports").Single(p => p["name"] == "public")["containerPort"]);
                Assert.Equal("none", Env(container, "Router__GrpcPort"));
            }
            else
            {
                Assert.Equal(["health"], exposed);
                Assert.Null(Env(container, "Router__PublicPort"));
            }
        }
        var service = Assert.Single(Of(await Helm.TemplateAsync(), "Service"));
        Assert.Equal("public", service.Items("spec.ports").Single()["targetPort"]);
    }

    [Fact]
    public async Task Every_app_accepts_only_its_sidecars_app_token_read_from_the_secret_the_sidecar_uses()
    {
        foreach (var deployment in Of(await Helm.TemplateAsync(), "Deployment"))
        {
            var container = deployment.Items("spec.template.spec.containers").Single();
            var secret = deployment["spec.template.metadata.annotations[dapr.io/app-token-secret]"];

            Assert.Equal("genai-router-app-token", secret);
            var token = container.Items("env").Single(e => e["name"] == InternalCredential.DaprAppTokenVariable);
            Assert.Equal((secret, "token", null), (token["valueFrom.secretKeyRef.name"], token["valueFrom.secretKeyRef.key"], token["value"]));
        }
    }

    [Fact]
    public async Task A_network_policy_per_service_admits_only_the_door_the_probes_and_the_apps_that_call_it()
    {
        var manifests = await Helm.TemplateAsync();
        var policies = Of(manifests, "NetworkPolicy").ToDictionary(p => p["spec.podSelector.matchLabels[app.kubernetes.io/component]"]!);
        var callers = Invocations(manifests);

        Assert.Equal(RouterApps.All.Order(), policies.Keys.Order());
        foreach (var (app, policy) in policies)
        {
            Assert.Equal(["Ingress"], policy.Strings("spec.policyTypes"));
            var rules = policy.Items("spec.ingress").ToList();
            var ports = rules.Select(r => r.Items("ports").Single()["port"]).ToList();
            Assert.Equal(app == RouterApps.Ingress ? ["public", "health"] : callers.ContainsKey(app) ? ["health", "50002"] : ["health"], ports);
            if (callers.TryGetValue(app, out var allowed))
            {
                var sidecar = rules.Single(r => r.Items("ports").Single()["port"] == "50002");
                Assert.Equal(allowed.Order(), sidecar.Items("from").Select(f => f["podSelector.matchLabels[app.kubernetes.io/component]"]!).Order());
            }
        }
        Assert.Empty(Of(await Helm.TemplateWithAsync("networkPolicy: { enabled: false }"), "NetworkPolicy"));
    }

    [Fact]
    public async Task Dapr_denies_every_invocation_but_the_methods_each_app_calls_and_each_is_a_real_method()
    {
        var configuration = Assert.Single(Of(await Helm.TemplateAsync(), "Configuration"));
        var known = typeof(GenAiRouter.Contracts.V1.Bridge).Assembly.GetTypes()
            .Select(t => t.GetProperty("Descriptor", System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static)?.GetValue(null))
            .OfType<Google.Protobuf.Reflection.ServiceDescriptor>()
            .SelectMany(s => s.Methods.Select(m => $"/{s.FullName}/{m.Name}"))
            .Append("/grpc.health.v1.Health/Check")
            .ToHashSet();

        Assert.Equal(("true", "deny"), (configuration["spec.mtls.enabled"], configuration["spec.accessControl.defaultAction"]));
        var policies = configuration.Items("spec.accessControl.policies").ToList();
        Assert.Equal(["auth", "bridge", "ingress"], policies.Select(p => p["appId"]!).Order());
        foreach (var policy in policies)
        {
            Assert.Equal("deny", policy["defaultAction"]);
            Assert.NotNull(policy["namespace"]);
            Assert.All(policy.Items("operations"), o => Assert.Contains(o["name"]!, known));
            Assert.All(policy.Items("operations"), o => Assert.Equal("allow", o["action"]));
        }
        var ingress = policies.Single(p => p["appId"] == "ingress").Items("operations").Select(o => o["name"]!).ToList();
        Assert.Contains("/genai_router.v1.Bridge/Generate", ingress);
        Assert.DoesNotContain(ingress, o => o.Contains("TokenAdmin", StringComparison.Ordinal));
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
        Assert.Equal("/", rule.Items("matches").Single()["path.value"]);
        Assert.Equal("30m", rule["timeouts.request"]);
        Assert.Equal((service.Name, service.Items("spec.ports").Single()["port"]), (rule.Items("backendRefs").Single()["name"], rule.Items("backendRefs").Single()["port"]));
    }

    [Fact]
    public async Task Prompt_files_ride_in_the_configmap_beside_the_configuration()
    {
        var configMap = Assert.Single(Of(await Helm.TemplateWithAsync("routerConfig: { files: { team-prompt.md: \"Be brief.\\n\" } }"), "ConfigMap"));

        Assert.Equal("Be brief.\n", configMap["data[team-prompt.md]"]);
        Assert.NotNull(configMap["data[genai-router.yaml]"]);
    }

    [Fact]
    public async Task Monitoring_renders_scrape_annotations_pod_and_service_monitors_the_otlp_endpoint_and_the_dashboard()
    {
        var manifests = await Helm.TemplateWithAsync("""
            monitoring:
              podMonitor: { enabled: true, labels: { release: kube-prometheus } }
              serviceMonitor: { enabled: true }
              otlp: { endpoint: "http://otel-collector.observability:4318" }
              projectLabels: false
              grafanaDashboard: { enabled: true, namespace: monitoring }
            dapr: { tracing: { otlpEndpoint: "otel-collector.observability:4318" } }
            """);

        foreach (var deployment in Of(manifests, "Deployment"))
        {
            var container = deployment.Items("spec.template.spec.containers").Single();
            Assert.Equal(("true", "8090", "/metrics"), (deployment["spec.template.metadata.annotations[prometheus.io/scrape]"],
                deployment["spec.template.metadata.annotations[prometheus.io/port]"], deployment["spec.template.metadata.annotations[prometheus.io/path]"]));
            Assert.Equal(Env(container, "Router__HealthPort"), deployment["spec.template.metadata.annotations[prometheus.io/port]"]);
            Assert.Equal("http://otel-collector.observability:4318", Env(container, "OTEL_EXPORTER_OTLP_ENDPOINT"));
            Assert.Equal("false", Env(container, "Router__Telemetry__ProjectLabels"));
            // Monitors scrape while OTLP exports: both metric readers are kept.
            Assert.Equal("true", Env(container, "Router__Telemetry__Prometheus"));
        }
        var podMonitor = Assert.Single(Of(manifests, "PodMonitor"));
        Assert.Equal("monitoring.coreos.com/v1", podMonitor["apiVersion"]);
        Assert.Equal("kube-prometheus", podMonitor["metadata.labels[release]"]);
        var endpoint = podMonitor.Items("spec.podMetricsEndpoints").Single();
        Assert.Equal(("health", Observability.MetricsPath), (endpoint["port"], endpoint["path"]));
        Assert.All(Of(manifests, "Deployment"), d => Assert.True(Selects(podMonitor, "spec.selector.matchLabels", (YamlMappingNode)d.Node("spec.template.metadata.labels")!)));

        var serviceMonitor = Assert.Single(Of(manifests, "ServiceMonitor"));
        var metricsServices = Of(manifests, "Service").Where(s => Selects(serviceMonitor, "spec.selector.matchLabels", (YamlMappingNode)s.Node("metadata.labels")!)).ToList();
        Assert.Equal(RouterApps.All.Order(), metricsServices.Select(s => s["metadata.labels[app.kubernetes.io/component]"]).Order());
        Assert.All(metricsServices, s => Assert.Equal("health", s.Items("spec.ports").Single()["targetPort"]));

        var dashboard = Of(manifests, "ConfigMap").Single(c => c["metadata.labels[grafana_dashboard]"] == "1");
        Assert.Equal("monitoring", dashboard["metadata.namespace"]);
        var json = System.Text.Json.JsonDocument.Parse(dashboard["data[genai-router.json]"]!).RootElement;
        Assert.Equal("GenAI Smart Router", json.GetProperty("title").GetString());
        Assert.True(json.GetProperty("panels").GetArrayLength() >= 10);

        var tracing = Assert.Single(Of(manifests, "Configuration"));
        Assert.Equal("otel-collector.observability:4318", tracing["spec.tracing.otel.endpointAddress"]);

        // OTLP alone: the services export instead of serving the scrape, and no annotation advertises one.
        var exportOnly = await Helm.TemplateWithAsync("""monitoring: { otlp: { endpoint: "http://otel-collector.observability:4318" } }""");
        Assert.All(Of(exportOnly, "Deployment"), d =>
        {
            Assert.Null(d["spec.template.metadata.annotations[prometheus.io/scrape]"]);
            Assert.Null(Env(d.Items("spec.template.spec.containers").Single(), "Router__Telemetry__Prometheus"));
        });
        var both = await Helm.TemplateWithAsync("""monitoring: { otlp: { endpoint: "http://otel-collector.observability:4318" }, scrapeWithOtlp: true }""");
        Assert.All(Of(both, "Deployment"), d => Assert.Equal("true", d["spec.template.metadata.annotations[prometheus.io/scrape]"]));

        var defaults = await Helm.TemplateAsync();
        Assert.All(Of(defaults, "Deployment"), d => Assert.Equal("true", d["spec.template.metadata.annotations[prometheus.io/scrape]"]));
        Assert.Empty(Of(defaults, "PodMonitor").Concat(Of(defaults, "ServiceMonitor")));
        Assert.DoesNotContain(Of(defaults, "Deployment"), d => Env(d.Items("spec.template.spec.containers").Single(), "OTEL_EXPORTER_OTLP_ENDPOINT") is not null);
    }

    [Fact]
    public async Task Ingress_replicas_share_their_quota_counters_in_the_components_redis_with_the_password_from_its_secret()
    {
        var manifests = await Helm.TemplateWithAsync("dapr: { components: { redis: { host: redis.data:6380, existingSecret: redis-auth, enableTLS: true } } }");

        foreach (var deployment in Of(manifests, "Deployment"))
        {
            var container = deployment.Items("spec.template.spec.containers").Single();
            if (AppId(deployment) == RouterApps.Ingress)
            {
                Assert.Equal("redis.data:6380,password=$(QUOTA_REDIS_PASSWORD),ssl=True", Env(container, "ROUTER_REDIS"), ignoreCase: true);
                var password = container.Items("env").Single(e => e["name"] == "QUOTA_REDIS_PASSWORD");
                Assert.Equal(("redis-auth", "redis-password", null), (password["valueFrom.secretKeyRef.name"], password["valueFrom.secretKeyRef.key"], password["value"]));
            }
            else
            {
                Assert.Null(Env(container, "ROUTER_REDIS"));
            }
        }
        var unshared = Of(await Helm.TemplateWithAsync("quotas: { sharedCounters: false }"), "Deployment").Single(d => AppId(d) == RouterApps.Ingress);
        Assert.Null(Env(unshared.Items("spec.template.spec.containers").Single(), "ROUTER_REDIS"));
    }

    private static bool Selects(Manifest selector, string path, YamlMappingNode labels) =>
        ((YamlMappingNode)selector.Node(path)!).Children.All(l => labels.Children.TryGetValue(l.Key, out var value) && value.ToString() == l.Value.ToString());

    public static TheoryData<string, string> BadValues => new()
    {
        { "httpRoute: { enabled: true }", "/httpRoute/parentRefs" },
        { "httpRoute: { enabled: true, parentRefs: [{ name: public }], requestTimeout: forever }", "/httpRoute/requestTimeout" },
        { "services: { ingress: { replicas: three } }", "/services/ingress/replicas" },
        { "services: { gateway: { replicas: 1 } }", "'gateway' not allowed" },
        { "services: { auth: { replicas: 0 } }", "/services/auth/replicas" },
        { "secrets: { adminKey: { existingSecret: '' } }", "/secrets/adminKey/existingSecret" },
        { "dapr: { components: { cache: { type: redis } } }", "/dapr/components/cache/type" },
        { "security: { appTokenSecret: '' }", "/security/appTokenSecret" },
        { "monitoring: { otlp: { endpoint: otel-collector:4318 } }", "/monitoring/otlp/endpoint" },
        { "monitoring: { podMonitor: { interval: often } }", "/monitoring/podMonitor/interval" },
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

    /// <summary>Who may call each service, read back from the rendered access control policies.</summary>
    private static Dictionary<string, List<string>> Invocations(IEnumerable<Manifest> manifests)
    {
        var configuration = Of(manifests, "Configuration").Single();
        var callees = new Dictionary<string, List<string>>();
        foreach (var policy in configuration.Items("spec.accessControl.policies"))
        {
            foreach (var operation in policy.Items("operations").Select(o => o["name"]!))
            {
                var callee = operation switch
                {
                    _ when operation.Contains("CallerTokens", StringComparison.Ordinal) || operation.Contains("Health", StringComparison.Ordinal) => RouterApps.Auth,
                    _ when operation.Contains("Catalog", StringComparison.Ordinal) => RouterApps.Catalog,
                    _ => RouterApps.Bridge,
                };
                var list = callees.TryGetValue(callee, out var known) ? known : callees[callee] = [];
                if (!list.Contains(policy["appId"]!))
                {
                    list.Add(policy["appId"]!);
                }
            }
        }
        return callees;
    }

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
