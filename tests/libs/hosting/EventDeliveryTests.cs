using GenAiRouter.Contracts.V1;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace GenAiRouter.Hosting.Tests;

/// <summary>Standalone delivery posts the same CloudEvent a Dapr sidecar would, to the same route.</summary>
public sealed class EventDeliveryTests
{
    [Fact]
    public async Task A_published_event_reaches_every_subscriber_of_its_topic_as_a_cloud_event_with_the_internal_credential()
    {
        var received = new List<(UsageEvent, string?)>();
        await using var first = await SubscriberAsync(received);
        await using var second = await SubscriberAsync(received);
        await using var publisher = await ServiceDefaultsTests.StartServiceAsync(RouterApps.Ingress, null,
            ($"Router:Subscribers:{Topics.Usage}", $"{first.Address}, {second.Address}"));
        var usage = new UsageEvent { RequestId = "req-1", Project = "web", Group = "big-coder", InputTokens = 42, Stream = true };

        await publisher.Services.GetRequiredService<IEventPublisher>().PublishAsync(Topics.Usage, usage, default);

        Assert.Equal([(usage, ServiceDefaultsTests.InternalToken), (usage, ServiceDefaultsTests.InternalToken)], received);
    }

    [Fact]
    public async Task A_topic_without_subscribers_is_published_to_nobody_without_error()
    {
        await using var publisher = await ServiceDefaultsTests.StartServiceAsync(RouterApps.Auth);

        await publisher.Services.GetRequiredService<IEventPublisher>().PublishAsync(Topics.TokenRevoked, new TokenRevoked { KeyId = "k1" }, default);
    }

    [Fact]
    public async Task A_subscriber_that_refuses_the_event_fails_the_publish_so_it_can_be_retried()
    {
        await using var refusing = await Loopback.StartAsync(http2: false, _ => { }, app => app.MapPost(Topics.Route(Topics.Usage), () => Results.StatusCode(503)));
        await using var publisher = await ServiceDefaultsTests.StartServiceAsync(RouterApps.Ingress, null,
            ($"Router:Subscribers:{Topics.Usage}", refusing.Address.ToString()));

        await Assert.ThrowsAsync<HttpRequestException>(() =>
            publisher.Services.GetRequiredService<IEventPublisher>().PublishAsync(Topics.Usage, new UsageEvent { RequestId = "r" }, default));
    }

    private static Task<Loopback> SubscriberAsync(List<(UsageEvent, string?)> received) =>
        Loopback.StartAsync(http2: false, _ => { }, app =>
        {
            // What a subscriber does in both topologies: Dapr's middleware unwraps the CloudEvent to its data.
            app.UseCloudEvents();
            app.MapPost(Topics.Route(Topics.Usage), async (HttpRequest request) =>
            {
                var usage = await EventData.ReadAsync(request, UsageEvent.Parser);
                lock (received)
                {
                    received.Add((usage!, request.Headers[InternalCredential.StandaloneHeader].FirstOrDefault()));
                }
                return Results.Ok();
            });
        });
}
