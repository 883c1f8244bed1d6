using Dapr.Client;
using Google.Protobuf;

namespace GenAiRouter.Hosting;

/// <summary>
/// The Dapr topology's publisher: the sidecar wraps each event's binary protobuf in a CloudEvent (as <c>data_base64</c>). A batch goes out as
/// concurrent publishes (subscribers receive events one by one either way).
/// </summary>
public sealed class DaprEventPublisher(DaprClient dapr) : IEventPublisher
{
    public Task PublishAsync(string topic, IReadOnlyList<IMessage> messages, CancellationToken cancellationToken) =>
        Task.WhenAll(messages.Select(message =>
            dapr.PublishByteEventAsync(Topics.PubSubOf(topic), topic, EventData.Serialize(message), EventData.ContentType, cancellationToken: cancellationToken)));
}
