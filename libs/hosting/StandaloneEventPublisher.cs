using System.Net.Http.Headers;
using System.Text;
using Google.Protobuf;
using Microsoft.Extensions.Configuration;

namespace GenAiRouter.Hosting;

/// <summary>
/// The standalone publisher: posts each event, as a CloudEvent, straight to the subscribers of its topic
/// (<c>Router:Subscribers:&lt;topic&gt;</c>, a comma-separated list of base URLs), on the same route Dapr
/// would deliver to. Subscriber code is the same in both topologies.
/// </summary>
public sealed class StandaloneEventPublisher(HttpClient http, IConfiguration configuration, string source) : IEventPublisher
{
    /// <summary>The CloudEvents JSON batch format: an array of events in one request.</summary>
    public const string BatchContentType = "application/cloudevents-batch+json";

    public async Task PublishAsync(string topic, IReadOnlyList<IMessage> messages, CancellationToken cancellationToken)
    {
        var subscribers = configuration[$"Router:Subscribers:{topic}"]?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [];
        if (subscribers.Length == 0 || messages.Count == 0)
        {
            return;
        }
        // One event travels as Dapr delivers it; several as one batch, so a busy router sends one request per batch.
        var (body, contentType) = messages.Count == 1
            ? (CloudEvent(topic, messages[0]), "application/cloudevents+json")
            : ("[" + string.Join(",", messages.Select(m => CloudEvent(topic, m))) + "]", BatchContentType);
        var bytes = Encoding.UTF8.GetBytes(body);
        foreach (var subscriber in subscribers)
        {
            using var content = new ByteArrayContent(bytes);
            content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
            using var response = await http.PostAsync(new Uri(new Uri(subscriber), Topics.Route(topic)), content, cancellationToken);
            response.EnsureSuccessStatusCode();
        }
    }

    private string CloudEvent(string topic, IMessage message)
    {
        var data = Encoding.UTF8.GetString(EventJson.Serialize(message));
        var id = Guid.NewGuid().ToString("N");
        return $$"""{"specversion":"1.0","id":"{{id}}","source":"{{source}}","type":"com.dapr.event.sent","topic":"{{topic}}","datacontenttype":"application/json","data":{{data}}}""";
    }
}
