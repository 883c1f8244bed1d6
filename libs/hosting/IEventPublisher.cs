using Google.Protobuf;

namespace GenAiRouter.Hosting;

/// <summary>Publishes events to a topic: Dapr pub/sub, or straight to the subscribers in standalone.</summary>
public interface IEventPublisher
{
    /// <summary>Publishes a batch: all of it, or it fails as a whole and may be retried (subscribers are idempotent).</summary>
    Task PublishAsync(string topic, IReadOnlyList<IMessage> messages, CancellationToken cancellationToken);
}

public static class EventPublisherExtensions
{
    public static Task PublishAsync(this IEventPublisher publisher, string topic, IMessage message, CancellationToken cancellationToken) =>
        publisher.PublishAsync(topic, [message], cancellationToken);
}

/// <summary>
/// The topics the services publish and subscribe to, and the Dapr pub/sub component each travels on. Subscriptions
/// are declared as Dapr Subscription resources (components/, the Helm chart), routed to <see cref="Route"/>.
/// </summary>
public static class Topics
{
    /// <summary>On <see cref="WorkQueue"/>: each event to one replica of the usage service.</summary>
    public const string Usage = "usage";
    /// <summary>On <see cref="Broadcast"/>: every ingress replica must drop the revoked token from its cache.</summary>
    public const string TokenRevoked = "token-revoked";

    /// <summary>Every topic, so that tests can hold each one's route to the internal credential.</summary>
    public static readonly IReadOnlyList<string> All = [Usage, TokenRevoked];

    /// <summary>A component whose subscribers share one consumer group (one delivery per event).</summary>
    public const string WorkQueue = "pubsub";
    /// <summary>A component with one consumer group per replica (every replica gets every event).</summary>
    public const string Broadcast = "broadcast";

    public static string PubSubOf(string topic) => topic == TokenRevoked ? Broadcast : WorkQueue;

    /// <summary>The HTTP route a subscriber receives a topic's events on, in both topologies.</summary>
    public static string Route(string topic) => $"/events/{topic}";
}
