using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using GenAiRouter.Contracts.V1;
using GenAiRouter.Hosting;
using GenAiRouter.Ingress.Telemetry;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace GenAiRouter.Ingress.Tests.Telemetry;

/// <summary>
/// Ingress's usage recorder delivering to a real usage service process, as in the standalone topology, while the
/// service restarts or its database goes away: every event is stored, each exactly once.
/// </summary>
public sealed class UsageDeliveryTests : IAsyncDisposable
{
    private const string AdminKey = "usage-delivery-admin-key";
    private const string InternalToken = "usage-delivery-internal-token";
    private readonly string _dataDir = Directory.CreateTempSubdirectory("usage-delivery-").FullName;
    private readonly int _port = RouterProcess.FreePortRange(2);
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private readonly string _project = "p" + Guid.NewGuid().ToString("N")[..8];
    private RouterProcess? _usage;
    private PostgresDatabase? _postgres;

    public UsageDeliveryTests() => _http.DefaultRequestHeaders.Add(InternalCredential.StandaloneHeader, InternalToken);

    public static TheoryData<string> Databases => ["sqlite", "postgres"];

    [Theory]
    [MemberData(nameof(Databases))]
    public async Task Events_sent_while_the_usage_service_restarts_are_all_stored_once(string database)
    {
        await StartUsageAsync(database);
        var recorder = await StartRecorderAsync();

        for (var i = 0; i < 40; i++)
        {
            recorder.Record(Event($"req_{i}"));
        }
        await WaitForRequestsAsync(40);
        await _usage!.DisposeAsync(); // killed, not stopped: whatever it was doing is cut off
        for (var i = 40; i < 80; i++)
        {
            recorder.Record(Event($"req_{i}"));
            recorder.Record(Event($"req_{i - 40}")); // redeliveries of stored events
        }
        await Task.Delay(500);
        await StartUsageAsync(database);

        var total = await WaitForRequestsAsync(80);
        Assert.Equal(80 * 10, total.GetProperty("input_tokens").GetInt64());
        Assert.Equal(0, recorder.Dropped);
        await recorder.StopAsync(default);
    }

    [Fact]
    public async Task Events_wait_while_the_postgres_database_is_away_and_are_stored_when_it_returns()
    {
        await StartUsageAsync("postgres");
        var recorder = await StartRecorderAsync();
        recorder.Record(Event("before"));
        await WaitForRequestsAsync(1);

        await _postgres!.SetAvailableAsync(false);
        for (var i = 0; i < 20; i++)
        {
            recorder.Record(Event($"during_{i}"));
        }
        await Task.Delay(1500);
        using (var ready = await _http.GetAsync(Url("/readyz")))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        }
        await _postgres.SetAvailableAsync(true);

        await WaitForRequestsAsync(21);
        Assert.Contains("could not be stored", _usage!.Stdout, StringComparison.Ordinal);
        await recorder.StopAsync(default);
    }

    [Fact]
    public async Task A_cloud_event_delivered_twice_is_counted_once_and_a_malformed_one_is_dropped_not_retried()
    {
        await StartUsageAsync("sqlite");
        // As Dapr delivers a binary event: the protobuf in data_base64.
        var cloudEvent = CloudEvent(Event("twice"));

        foreach (var _ in Enumerable.Range(0, 2))
        {
            using var content = new StringContent(cloudEvent, Encoding.UTF8, "application/cloudevents+json");
            using var delivered = await _http.PostAsync(Url("/events/usage"), content);
            Assert.Equal(HttpStatusCode.OK, delivered.StatusCode);
        }
        using var garbage = new StringContent("""{"specversion":"1.0","id":"2","source":"x","type":"t","datacontenttype":"application/octet-stream","data_base64":"//79/A=="}""", Encoding.UTF8, "application/cloudevents+json");
        using var dropped = await _http.PostAsync(Url("/events/usage"), garbage);

        Assert.Equal(HttpStatusCode.OK, dropped.StatusCode);
        Assert.Contains("DROP", await dropped.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(1, (await WaitForRequestsAsync(1)).GetProperty("requests").GetInt64());
    }

    [Fact]
    public async Task An_event_published_as_protobuf_json_by_an_earlier_router_is_still_stored()
    {
        await StartUsageAsync("sqlite");
        var json = $$"""{"specversion":"1.0","id":"1","source":"ingress","type":"com.dapr.event.sent","topic":"usage","datacontenttype":"application/json","data":{{Json(Event("from_json"))}}}""";

        using var content = new StringContent(json, Encoding.UTF8, "application/cloudevents+json");
        using var delivered = await _http.PostAsync(Url("/events/usage"), content);

        Assert.Equal(HttpStatusCode.OK, delivered.StatusCode);
        Assert.Equal(1, (await WaitForRequestsAsync(1)).GetProperty("requests").GetInt64());
    }

    [Fact]
    public async Task A_cloud_events_batch_is_stored_in_one_go_skipping_redeliveries_and_malformed_entries()
    {
        await StartUsageAsync("sqlite");
        var a = CloudEvent(Event("batch_a"));
        var json = $$"""{"specversion":"1.0","id":"j","source":"ingress","type":"com.dapr.event.sent","topic":"usage","datacontenttype":"application/json","data":{{Json(Event("batch_c"))}}}""";
        var malformed = """{"specversion":"1.0","id":"m","source":"ingress","type":"t","datacontenttype":"application/json","data":{"request_id":12}}""";
        var batch = $"[{a},{CloudEvent(Event("batch_b"))},{a},{json},{malformed}]";

        using var content = new StringContent(batch, Encoding.UTF8, StandaloneEventPublisher.BatchContentType);
        using var delivered = await _http.PostAsync(Url("/events/usage"), content);

        Assert.Equal(HttpStatusCode.OK, delivered.StatusCode);
        Assert.Equal(3, (await WaitForRequestsAsync(3)).GetProperty("requests").GetInt64());
    }

    private static string CloudEvent(UsageEvent usage) =>
        $$"""{"specversion":"1.0","id":"{{Guid.NewGuid():N}}","source":"ingress","type":"com.dapr.event.sent","topic":"usage","datacontenttype":"{{EventData.ContentType}}","data_base64":"{{Convert.ToBase64String(EventData.Serialize(usage))}}"}""";

    private static string Json(UsageEvent usage) =>
        new Google.Protobuf.JsonFormatter(Google.Protobuf.JsonFormatter.Settings.Default.WithPreserveProtoFieldNames(true)).Format(usage);

    [Fact]
    public async Task A_batch_that_is_not_json_is_dropped_not_retried()
    {
        await StartUsageAsync("sqlite");

        using var content = new StringContent("[{\"specversion\":\"1.0\",", Encoding.UTF8, StandaloneEventPublisher.BatchContentType);
        using var dropped = await _http.PostAsync(Url("/events/usage"), content);

        Assert.Equal(HttpStatusCode.OK, dropped.StatusCode);
        Assert.Contains("DROP", await dropped.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    public async ValueTask DisposeAsync()
    {
        if (_usage is not null)
        {
            await _usage.DisposeAsync();
        }
        if (_postgres is not null)
        {
            await _postgres.DisposeAsync();
        }
        _http.Dispose();
        Directory.Delete(_dataDir, recursive: true);
    }

    private async Task StartUsageAsync(string database)
    {
        var environment = new Dictionary<string, string>
        {
            ["ROUTER_TOPOLOGY"] = "standalone",
            ["ROUTER_CONFIG"] = Path.Combine(RouterProcess.RepoRoot, "config", "genai-router.yaml"),
            ["ROUTER_DATA_DIR"] = _dataDir,
            ["ROUTER_ADMIN_KEY"] = AdminKey,
            ["Router__BindAddress"] = "127.0.0.1",
            ["Router__HttpPort"] = _port.ToString(CultureInfo.InvariantCulture),
            ["Router__GrpcPort"] = (_port + 1).ToString(CultureInfo.InvariantCulture),
            [InternalCredential.StandaloneVariable] = InternalToken,
        };
        if (database == "postgres")
        {
            _postgres ??= await PostgresDatabase.CreateAsync();
            environment["ROUTER_USAGE_DB"] = _postgres.ConnectionString;
        }
        _usage = RouterProcess.Service("GenAiRouter.Usage", environment);
        await _usage.WaitForOutputAsync("Application started", TimeSpan.FromSeconds(30));
    }

    private async Task<UsageRecorder> StartRecorderAsync()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(
            [new("Router:Subscribers:usage", Url("/").ToString()), new(InternalCredential.StandaloneVariable, InternalToken)]).Build();
        var publisher = new StandaloneEventPublisher(_http, configuration, InternalCredential.From(configuration, Topology.Standalone), "ingress");
        var metrics = new RouterMetrics(new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(),
            configuration, new GenAiRouter.Ingress.Routing.TargetHealth(TimeProvider.System));
        var recorder = new UsageRecorder(publisher, metrics, configuration, NullLogger<UsageRecorder>.Instance);
        await recorder.StartAsync(default);
        return recorder;
    }

    private UsageEvent Event(string id) => new()
    {
        RequestId = $"{_project}_{id}", Time = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow), KeyId = "k", User = "alice", Project = _project,
        Env = "dev", Group = "g", Target = "t", Status = 200, InputTokens = 10, OutputTokens = 1,
    };

    private Uri Url(string path) => new($"http://127.0.0.1:{_port}{path}");

    /// <summary>Polls the admin usage query until the project shows <paramref name="requests"/> requests (or a minute passed).</summary>
    private async Task<JsonElement> WaitForRequestsAsync(int requests)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            JsonElement? total = null;
            try
            {
                using var query = new HttpRequestMessage(HttpMethod.Get, Url($"/usage?project={_project}&since=1d&format=json"));
                query.Headers.Add(AdminCredential.Header, AdminKey);
                using var response = await _http.SendAsync(query);
                if (response.IsSuccessStatusCode)
                {
                    total = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("total").Clone();
                }
            }
            catch (HttpRequestException)
            {
                // Not up yet.
            }
            if (total is { } t && t.GetProperty("requests").GetInt64() >= requests || DateTime.UtcNow > deadline)
            {
                Assert.Equal(requests, total?.GetProperty("requests").GetInt64());
                return total!.Value;
            }
            await Task.Delay(200);
        }
    }
}
