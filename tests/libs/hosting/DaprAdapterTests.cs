using System.Text;
using Dapr.Client;
using GenAiRouter.Contracts.V1;

namespace GenAiRouter.Hosting.Tests;

/// <summary>The Dapr side of the topology switch, through the real Dapr client against the sidecar's wire API.</summary>
public sealed class DaprAdapterTests
{
    [Fact]
    public async Task The_state_store_saves_with_a_time_to_live_and_reads_back_the_same_bytes()
    {
        var (server, sidecar) = await FakeDaprSidecar.StartAsync();
        await using var _ = server;
        using var dapr = Client(server);
        var store = new DaprStateStore(dapr, "statestore");

        await store.SetAsync("cache:abc", "{\"id\":\"resp_1\"}"u8.ToArray(), TimeSpan.FromSeconds(599.2), default);

        var saved = sidecar.Saved[("statestore", "cache:abc")].States.Single();
        Assert.Equal("600", saved.Metadata["ttlInSeconds"]);
        Assert.Equal("{\"id\":\"resp_1\"}"u8.ToArray(), await store.GetAsync("cache:abc", default));
    }

    [Fact]
    public async Task Deleted_and_unknown_keys_read_as_absent()
    {
        var (server, _) = await FakeDaprSidecar.StartAsync();
        await using var __ = server;
        using var dapr = Client(server);
        var store = new DaprStateStore(dapr, "statestore");
        await store.SetAsync("k", "v"u8.ToArray(), null, default);

        await store.DeleteAsync("k", default);

        Assert.Null(await store.GetAsync("k", default));
        Assert.Null(await store.GetAsync("never-written", default));
    }

    [Fact]
    public async Task Events_are_published_as_binary_protobuf_to_their_topic_on_the_topics_pubsub()
    {
        var (server, sidecar) = await FakeDaprSidecar.StartAsync();
        await using var _ = server;
        using var dapr = Client(server);
        var usage = new UsageEvent { RequestId = "req-7", Group = "big-coder", OutputTokens = 9 };

        await new DaprEventPublisher(dapr).PublishAsync(Topics.Usage, usage, default);
        await new DaprEventPublisher(dapr).PublishAsync(Topics.TokenRevoked, new UsageEvent(), default);

        Assert.Equal([("pubsub", "usage"), ("broadcast", "token-revoked")], sidecar.Published.Select(p => (p.PubsubName, p.Topic)));
        var published = sidecar.Published.First();
        // A type Dapr carries as data_base64: any other non-JSON type it would turn into a string.
        Assert.Equal("application/octet-stream", published.DataContentType);
        Assert.Equal(usage, UsageEvent.Parser.ParseFrom(published.Data.Span));
    }

    private static DaprClient Client(Loopback sidecar) =>
        new DaprClientBuilder().UseGrpcEndpoint(sidecar.Address.ToString().TrimEnd('/')).Build();
}
