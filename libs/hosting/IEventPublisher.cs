using Google.Protobuf;

namespace GenAiRouter.Hosting;

/// <summary>Publishes an event to a topic: Dapr pub/sub, or straight to the subscribers in standalone.</summary>
public interface IEventPublisher
{
    Task PublishAsync(string topic, IMessage message, CancellationToken cancellationToken);
}

/// <summary>The topics the services publish and subscribe to.</summary>
public static class Topics
{
    public const string Usage = "usage";
    public const string TokenRevoked = "token-revoked";

    /// <summary>The HTTP route a subscriber receives a topic's events on, in both topologies.</summary>
    public static string Route(string topic) => $"/events/{topic}";
}
