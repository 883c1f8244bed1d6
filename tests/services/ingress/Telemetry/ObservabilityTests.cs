using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using GenAiRouter.Hosting;

namespace GenAiRouter.Ingress.Tests.Telemetry;

/// <summary>
/// The router's metrics and traces after a scripted mix of requests (native, bridged, cached, refused, failed over, an
/// unknown group): what a Prometheus scrape of each service shows, what an OTLP collector receives, the Server-Timing
/// header, trace ids in the logs, and that no token, key or prompt text appears in any of it.
/// </summary>
/// <summary>
/// One router for the observability tests (started with `up`, exporting traces to an in-process OTLP collector), and
/// the scripted mix of requests they all look at: native, bridged (under a caller's traceparent), a cache miss and hit,
/// a failover, an unknown group and a refused token.
/// </summary>
public sealed class ObservedRouter : IAsyncLifetime
{
    public const string UpstreamKey = "sk-observability-upstream-key-0123456789";
    public const string PromptText = "prompt-text-that-must-stay-private";
    public const string CallerTraceId = "4bf92f3577b34da6a3ce929d0e0e4736";

    private static readonly HttpClient Http = new();

    public ScriptedUpstream Responses { get; private set; } = null!;
    public ScriptedUpstream Chat { get; private set; } = null!;
    public OtlpReceiver Collector { get; private set; } = null!;
    public LocalRouter Router { get; private set; } = null!;
    public string Token { get; private set; } = "";
    public Dictionary<string, HttpResponseMessage> Answers { get; } = [];

    public async ValueTask InitializeAsync()
    {
        Responses = await ScriptedUpstream.StartAsync();
        Chat = await ScriptedUpstream.StartAsync();
        Collector = await OtlpReceiver.StartAsync();
        Router = await LocalRouter.StartAsync($$"""
            bridge: { enabled: true }
            groups:
              native:
                targets:
                  - { name: native-target, api: responses, base_url: {{Responses.BaseUrl}}, model: upstream-native, api_key_env: UPSTREAM_KEY, capabilities: [streaming], prices: { input_per_mtok: 1, output_per_mtok: 2 } }
              bridged:
                targets:
                  - name: chat-target
                    api: chat
                    base_url: {{Chat.BaseUrl}}
                    model: upstream-chat
                    api_key_env: UPSTREAM_KEY
                    capabilities: [streaming]
                    responses_to_chat: { streaming: true }
              cached:
                cache: { ttl: 5m }
                targets:
                  - { name: cached-target, api: responses, base_url: {{Responses.BaseUrl}}, model: upstream-cached, capabilities: [streaming] }
              failover:
                targets:
                  - { name: dead-target, api: responses, base_url: http://127.0.0.1:1/v1, model: m, priority: 1, capabilities: [streaming] }
                  - { name: live-target, api: responses, base_url: {{Responses.BaseUrl}}, model: upstream-live, priority: 2, capabilities: [streaming] }
            """, new()
        {
            ["UPSTREAM_KEY"] = UpstreamKey,
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = Collector.Endpoint,
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "200",
            ["Router__Telemetry__TraceSampleRatio"] = "1",
            // Scraped as well as exported (with an OTLP endpoint the scrape is otherwise off).
            ["Router__Telemetry__Prometheus"] = "true",
            ["ROUTER_LOG_FORMAT"] = "json",
        });
        Token = (await Router.RunCliAsync("token", "issue", "--user", "alice", "--project", "observed", "--env", "dev", "--groups", "native,bridged,cached,failover")).Trim();

        await SendAsync("native", "native");
        await SendAsync("bridged", "bridged", traceparent: $"00-{CallerTraceId}-00f067aa0ba902b7-01");
        await SendAsync("cached-miss", "cached");
        await SendAsync("cached-hit", "cached");
        await SendAsync("failover", "failover");
        await SendAsync("unknown-group", "no-such-group-a1b2c3");
        await SendAsync("refused", "native", token: "rtr_metrum_nobody_observed_dev_abcdefghij_NotTheSecret00000000000000000000000");

        // A broken edit of the configuration: the catalog keeps the last good one and counts the failure.
        var config = await File.ReadAllTextAsync(Router.ConfigPath);
        await File.WriteAllTextAsync(Router.ConfigPath, config.Replace("api: responses", "api: telepathy", StringComparison.Ordinal));
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!(await ScrapeAsync(RouterApps.Catalog)).Contains("router_catalog_reload_failures_total", StringComparison.Ordinal) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(250);
        }
        await File.WriteAllTextAsync(Router.ConfigPath, config);
    }

    public async Task<string> ScrapeAsync(string app) =>
        await Http.GetStringAsync($"http://127.0.0.1:{RouterApps.StandalonePorts(app, Router.Port).Http}{Observability.MetricsPath}");

    private async Task SendAsync(string name, string group, string? traceparent = null, string? token = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(Router.BaseUrl, "responses"))
        {
            Content = new StringContent($$"""{"model":"{{group}}","input":"{{PromptText}}","stream":true}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token ?? Token);
        if (traceparent is not null)
        {
            request.Headers.TryAddWithoutValidation("traceparent", traceparent);
        }
        var answer = await Http.SendAsync(request);
        await answer.Content.ReadAsStringAsync();
        Answers[name] = answer;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var answer in Answers.Values)
        {
            answer.Dispose();
        }
        await Router.DisposeAsync();
        await Collector.DisposeAsync();
        await Responses.DisposeAsync();
        await Chat.DisposeAsync();
    }
}

public sealed partial class ObservabilityTests(ObservedRouter observed) : IClassFixture<ObservedRouter>
{
    private static readonly HttpClient Http = new();

    [Fact]
    public async Task With_an_otlp_endpoint_metrics_are_exported_instead_of_scraped_one_reader_not_two()
    {
        await using var router = await LocalRouter.StartAsync("groups: { g: { targets: [ { name: t, api: responses, base_url: http://127.0.0.1:9/v1, model: m } ] } }", new() { ["OTEL_EXPORTER_OTLP_ENDPOINT"] = observed.Collector.Endpoint, ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf" });
        using var http = new HttpClient();

        var scrape = await http.GetAsync($"http://127.0.0.1:{GenAiRouter.Hosting.RouterApps.StandalonePorts(GenAiRouter.Hosting.RouterApps.Ingress, router.Port).Http}/metrics");

        // No scrape route: the internal port refuses it like any other unknown path.
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, scrape.StatusCode);
        Assert.Contains($"metrics:      exported over OTLP to {observed.Collector.Endpoint}", router.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ingress_counts_each_request_by_door_group_target_status_and_route()
    {
        var metrics = await observed.ScrapeAsync(RouterApps.Ingress);

        Series(1, metrics, "router_requests_total", ("door", "responses"), ("group", "native"), ("target", "native-target"), ("status", "200"), ("route", "native"));
        Series(1, metrics, "router_requests_total", ("group", "bridged"), ("target", "chat-target"), ("status", "200"), ("route", "bridged"));
        Series(1, metrics, "router_requests_total", ("group", "cached"), ("route", "cache"), ("status", "200"));
        Series(1, metrics, "router_requests_total", ("group", "cached"), ("route", "native"), ("status", "200"));
        Series(1, metrics, "router_requests_total", ("group", "failover"), ("target", "live-target"), ("route", "native"), ("status", "200"));
        // A group that does not exist is the caller's words: counted, never a label.
        Series(1, metrics, "router_requests_total", ("group", "unknown"), ("status", "404"), ("route", "none"));
        Assert.DoesNotContain("no-such-group-a1b2c3", metrics, StringComparison.Ordinal);

        Series(1, metrics, "router_failovers_total", ("group", "failover"), ("target", "dead-target"));
        Series(1, metrics, "router_translations_total", ("from", "responses"), ("to", "chat"));
        Series(1, metrics, "router_cache_lookups_total", ("result", "hit"));
        Series(1, metrics, "router_cache_lookups_total", ("result", "miss"));
        Series(1, metrics, "router_auth_validations_total", ("source", "auth_service"), ("result", "malformed"));
        Assert.True(Value(metrics, "router_auth_validations_total", ("source", "cache"), ("result", "accepted")) >= 5);
        Assert.True(Value(metrics, "router_catalog_version") >= 1);
        Assert.Equal(1, Value(await observed.ScrapeAsync(RouterApps.Catalog), "router_catalog_reload_failures_total"));
    }

    [Fact]
    public async Task Ingress_records_the_genai_histograms_with_the_group_as_requested_and_the_target_as_response_model()
    {
        var metrics = await observed.ScrapeAsync(RouterApps.Ingress);

        Series(1, metrics, "gen_ai_client_operation_duration_seconds_count", ("gen_ai_request_model", "native"), ("gen_ai_response_model", "upstream-native"),
            ("gen_ai_operation_name", "chat"), ("gen_ai_provider_name", "openai"));
        Series(1, metrics, "gen_ai_client_token_usage_count", ("gen_ai_request_model", "native"), ("gen_ai_token_type", "input"));
        Series(10, metrics, "gen_ai_client_token_usage_sum", ("gen_ai_request_model", "native"), ("gen_ai_token_type", "input"));
        Series(3, metrics, "gen_ai_client_token_usage_sum", ("gen_ai_request_model", "native"), ("gen_ai_token_type", "output"));
        Series(1, metrics, "gen_ai_server_time_to_first_token_seconds_count", ("gen_ai_request_model", "bridged"));
        Assert.True(Value(metrics, "router_overhead_seconds_count", ("door", "responses")) >= 5);
        Series(13, metrics, "router_usage_tokens_total", ("project", "observed"), ("group", "native"));
        Series(0.000016, metrics, "router_usage_cost_USD_total", ("project", "observed"), ("group", "native"));
    }

    [Fact]
    public async Task The_usage_pipeline_auth_catalog_and_runtime_are_counted_by_the_services_that_see_them()
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        string usage;
        do
        {
            usage = await observed.ScrapeAsync(RouterApps.Usage);
        }
        while (Value(usage, "router_usage_received_total", ("outcome", "stored")) < 6 && DateTime.UtcNow < deadline && await Pause());

        // Every authenticated request is one usage event (the refused token is not one).
        Assert.Equal(6, Value(usage, "router_usage_received_total", ("outcome", "stored")));
        Assert.Equal(6, Value(await observed.ScrapeAsync(RouterApps.Ingress), "router_usage_events_total", ("outcome", "published")));
        var auth = await observed.ScrapeAsync(RouterApps.Auth);
        Assert.Equal(1, Value(auth, "router_auth_token_checks_total", ("result", "valid")));
        Assert.Equal(1, Value(auth, "router_auth_token_checks_total", ("result", "malformed")));
        foreach (var app in RouterApps.All)
        {
            var scrape = await observed.ScrapeAsync(app);
            Assert.Contains("dotnet_process_cpu_time_seconds_total", scrape, StringComparison.Ordinal);
            Assert.Contains("http_server_request_duration_seconds_bucket", scrape, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task No_scrape_carries_a_token_a_key_a_credential_or_the_prompt()
    {
        var secrets = new[] { observed.Token, observed.Token.Split('_')[^1], ObservedRouter.UpstreamKey, ObservedRouter.PromptText, await File.ReadAllTextAsync(Path.Combine(observed.Router.DataDir, "admin-key")) }
            .Select(s => s.Trim()).Where(s => s.Length > 0).ToList();
        foreach (var app in RouterApps.All)
        {
            var scrape = await observed.ScrapeAsync(app);
            Assert.All(secrets, secret => Assert.DoesNotContain(secret, scrape, StringComparison.Ordinal));
        }
        Assert.All(observed.Collector.Spans.SelectMany(s => s.Attributes.Values), value => Assert.All(secrets, secret => Assert.DoesNotContain(secret, value, StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Metrics_are_not_served_on_the_public_door()
    {
        using var answer = await Http.GetAsync(new Uri(observed.Router.BaseUrl, "/metrics"));

        Assert.Equal(System.Net.HttpStatusCode.NotFound, answer.StatusCode);
    }

    [Fact]
    public async Task A_request_is_one_trace_across_ingress_the_bridge_and_the_upstream_call_under_the_callers_trace_id()
    {
        var spans = await SpansOfAsync(ObservedRouter.CallerTraceId, s => s.Service == "genai-router-bridge" && s.Kind == 3);

        var ingressServer = Assert.Single(spans, s => s.Service == "genai-router-ingress" && s.Kind == 2);
        Assert.Equal("00f067aa0ba902b7", ingressServer.ParentSpanId);
        var call = Assert.Single(spans, s => s.Name == "chat bridged");
        Assert.Equal("genai-router-ingress", call.Service);
        Assert.Equal("bridged", call.Attributes["gen_ai.request.model"]);
        Assert.Equal("upstream-chat", call.Attributes["gen_ai.response.model"]);
        Assert.Equal("chat", call.Attributes["gen_ai.operation.name"]);
        Assert.True(long.Parse(call.Attributes["gen_ai.usage.input_tokens"], System.Globalization.CultureInfo.InvariantCulture) > 0);
        Assert.True(long.Parse(call.Attributes["gen_ai.usage.output_tokens"], System.Globalization.CultureInfo.InvariantCulture) > 0);
        Assert.Contains(spans, s => s.Service == "genai-router-bridge" && s.Kind == 2);
        var upstream = Assert.Single(spans, s => s.Service == "genai-router-bridge" && s.Kind == 3);
        Assert.StartsWith(observed.Chat.BaseUrl.ToString().TrimEnd('/'), upstream.Attributes["url.full"], StringComparison.Ordinal);
        Assert.DoesNotContain(spans, s => s.Attributes.Values.Any(v => v.Contains(ObservedRouter.PromptText, StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_request_without_a_traceparent_starts_its_own_trace_with_the_upstream_call_in_it()
    {
        var call = await WaitForAsync(() => observed.Collector.Spans.FirstOrDefault(s => s.Name == "chat native"));

        Assert.NotEqual(ObservedRouter.CallerTraceId, call.TraceId);
        Assert.Contains(observed.Collector.Spans, s => s.TraceId == call.TraceId && s.Service == "genai-router-ingress" && s.Kind == 2 && s.SpanId == call.ParentSpanId);
    }

    [Fact]
    public void Every_door_answer_says_the_routers_own_time_and_the_upstream_wait_in_server_timing()
    {
        var native = observed.Answers["native"].Headers.GetValues("Server-Timing").Single();
        Assert.Matches("""^router;dur=\d+\.\d;desc="router", upstream;dur=\d+\.\d;desc="upstream to first byte"$""", native);
        var refused = observed.Answers["refused"].Headers.GetValues("Server-Timing").Single();
        Assert.Matches("""^router;dur=\d+\.\d;desc="router"$""", refused);
    }

    [Fact]
    public async Task Json_log_lines_of_a_request_carry_its_trace_id()
    {
        await WaitForAsync(() => observed.Router.Output.Contains($"\"@tr\":\"{ObservedRouter.CallerTraceId}\"", StringComparison.Ordinal) ? "" : null);
    }

    [Fact]
    public async Task The_dashboard_queries_only_metrics_the_services_export()
    {
        var scraped = new HashSet<string>(StringComparer.Ordinal);
        foreach (var app in RouterApps.All)
        {
            foreach (Match name in MetricName().Matches(await observed.ScrapeAsync(app)))
            {
                scraped.Add(name.Groups[1].Value);
            }
        }
        var dashboard = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(RouterProcess.RepoRoot, "deploy", "helm", "genai-router", "dashboards", "genai-router.json")));
        // A query's metric names, without its label matchers and grouping labels.
        var queried = Expressions(dashboard.RootElement)
            .Select(e => Grouping().Replace(Matchers().Replace(e, ""), ""))
            .SelectMany(e => QueriedMetric().Matches(e).Select(m => m.Value)).ToHashSet(StringComparer.Ordinal);

        Assert.NotEmpty(queried);
        Assert.DoesNotContain(queried, name => !scraped.Contains(name));
    }

    private static IEnumerable<string> Expressions(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => element.EnumerateObject().SelectMany(p => p.Name == "expr" && p.Value.ValueKind == JsonValueKind.String ? [p.Value.GetString()!] : Expressions(p.Value)),
        JsonValueKind.Array => element.EnumerateArray().SelectMany(Expressions),
        _ => [],
    };

    /// <summary>The spans of one trace, once the one <paramref name="until"/> names has arrived (exports are batched).</summary>
    private async Task<List<ReceivedSpan>> SpansOfAsync(string traceId, Func<ReceivedSpan, bool> until)
    {
        await WaitForAsync(() => observed.Collector.Spans.FirstOrDefault(s => s.TraceId == traceId && until(s)));
        await Task.Delay(500);
        return [.. observed.Collector.Spans.Where(s => s.TraceId == traceId)];
    }

    private static async Task<T> WaitForAsync<T>(Func<T?> find) where T : class
    {
        var stopwatch = Stopwatch.StartNew();
        while (stopwatch.Elapsed < TimeSpan.FromSeconds(20))
        {
            if (find() is { } found)
            {
                return found;
            }
            await Task.Delay(200);
        }
        throw new TimeoutException("not seen within 20 s");
    }

    private static async Task<bool> Pause()
    {
        await Task.Delay(300);
        return true;
    }

    /// <summary>Asserts the summed value of the matching series, showing the metric's series when it differs.</summary>
    private static void Series(double expected, string scrape, string metric, params (string Name, string Value)[] labels)
    {
        var actual = Value(scrape, metric, labels);
        Assert.True(Math.Abs(expected - actual) < 1e-9, $"{metric} {string.Join(",", labels)}: expected {expected}, got {actual}\n"
            + string.Join("\n", scrape.Split('\n').Where(l => l.StartsWith(metric, StringComparison.Ordinal))));
    }

    /// <summary>The value of the series of <paramref name="metric"/> whose labels include all of <paramref name="labels"/>, summed; 0 when none.</summary>
    private static double Value(string scrape, string metric, params (string Name, string Value)[] labels) =>
        scrape.Split('\n')
            .Where(line => line.StartsWith(metric + "{", StringComparison.Ordinal) || line.StartsWith(metric + " ", StringComparison.Ordinal))
            .Where(line => labels.All(l => line.Contains($"{l.Name}=\"{l.Value}\"", StringComparison.Ordinal)))
            .Sum(line => double.Parse(line[(line.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture));

    [GeneratedRegex(@"^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]", RegexOptions.Multiline)]
    private static partial Regex MetricName();

    [GeneratedRegex(@"\b(router|gen_ai|dotnet|http|kestrel)_[a-zA-Z0-9_]+")]
    private static partial Regex QueriedMetric();

    [GeneratedRegex(@"\{[^}]*\}")]
    private static partial Regex Matchers();

    [GeneratedRegex(@"\b(by|without|on|ignoring)\s*\([^)]*\)")]
    private static partial Regex Grouping();
}
