using System.Buffers;
using System.Net.Http.Headers;
using System.Text.Json;
using Google.Protobuf;
using Microsoft.Extensions.Configuration;

namespace GenAiRouter.Hosting;

/// <summary>
/// The standalone publisher: posts each event, as a CloudEvent, straight to the subscribers of its topic
/// (<c>Router:Subscribers:&lt;topic&gt;</c>, a comma-separated list of base URLs), on the same route Dapr
/// would deliver to, with the internal credential. Subscriber code is the same in both topologies.
/// </summary>
public sealed class StandaloneEventPublisher(HttpClient http, IConfiguration configuration, InternalCredential credential, string source) : IEventPublisher
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
        // Sized for the batch up front (a usage event is well under 1 KB in the envelope): one buffer, not a doubling series.
        var batch = messages.Count > 1;
        var body = new ArrayBufferWriter<byte>(messages.Count * 1024);
        using (var json = new Utf8JsonWriter(body))
        {
            if (batch)
            {
                json.WriteStartArray();
            }
            foreach (var message in messages)
            {
                WriteCloudEvent(json, topic, message);
            }
            if (batch)
            {
                json.WriteEndArray();
            }
        }
        var contentType = batch ? BatchContentType : "application/cloudevents+json";
        foreach (var subscriber in subscribers)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(new Uri(subscriber), Topics.Route(topic)))
            {
                Content = new ReadOnlyMemoryContent(body.WrittenMemory),
            };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
            request.Headers.Add(credential.OutboundHeader, credential.OutboundValue);
            using var response = await http.SendAsync(request, cancellationToken);
            response.EnsureSuccessStatusCode();
        }
    }

    private void WriteCloudEvent(Utf8JsonWriter json, string topic, IMessage message)
    {
        json.WriteStartObject();
        json.WriteString("specversion", "1.0");
        json.WriteString("id", Guid.NewGuid().ToString("N"));
        json.WriteString("source", source);
        json.WriteString("type", "com.dapr.event.sent");
        json.WriteString("topic", topic);
        // As Dapr carries binary data: base64 in data_base64, which the subscriber's CloudEvents middleware decodes.
        json.WriteString("datacontenttype", EventData.ContentType);
        var size = message.CalculateSize();
        var data = ArrayPool<byte>.Shared.Rent(size);
        message.WriteTo(data.AsSpan(0, size));
        json.WriteBase64String("data_base64", data.AsSpan(0, size));
        ArrayPool<byte>.Shared.Return(data);
        json.WriteEndObject();
    }
}
