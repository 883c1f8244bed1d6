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
    public async Task PublishAsync(string topic, IMessage message, CancellationToken cancellationToken)
    {
        var subscribers = configuration[$"Router:Subscribers:{topic}"]?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [];
        foreach (var subscriber in subscribers)
        {
            using var content = new ByteArrayContent(CloudEvent(topic, message));
            content.Headers.ContentType = new MediaTypeHeaderValue("application/cloudevents+json");
            using var response = await http.PostAsync(new Uri(new Uri(subscriber), Topics.Route(topic)), content, cancellationToken);
            response.EnsureSuccessStatusCode();
        }
    }

    private byte[] CloudEvent(string topic, IMessage message)
    {
        var data = Encoding.UTF8.GetString(EventJson.Serialize(message));
        var id = Guid.NewGuid().ToString("N");
        return Encoding.UTF8.GetBytes(
            $$"""{"specversion":"1.0","id":"{{id}}","source":"{{source}}","type":"com.dapr.event.sent","topic":"{{topic}}","datacontenttype":"application/json","data":{{data}}}""");
    }
}
