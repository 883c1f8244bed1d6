using Dapr.Client;
using Google.Protobuf;

namespace GenAiRouter.Hosting;

/// <summary>The Dapr topology's publisher: the sidecar wraps the JSON in a CloudEvent.</summary>
public sealed class DaprEventPublisher(DaprClient dapr) : IEventPublisher
{
    public Task PublishAsync(string topic, IMessage message, CancellationToken cancellationToken) =>
        dapr.PublishByteEventAsync(Topics.PubSubOf(topic), topic, EventJson.Serialize(message), "application/json", cancellationToken: cancellationToken);
}
