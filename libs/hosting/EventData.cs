using System.Net.Http.Headers;
using Google.Protobuf;

namespace GenAiRouter.Hosting;

/// <summary>
/// What an event's CloudEvent carries: the message in binary protobuf. Dapr sends binary data as <c>data_base64</c> and
/// the subscriber's CloudEvents middleware hands it back as bytes of this content type; the standalone publisher does
/// the same. Protobuf JSON (the .proto field names) is still read, so events published in JSON, by an earlier router
/// or by another tool, are not lost.
/// </summary>
public static class EventData
{
    /// <summary>The content type Dapr carries as binary (<c>data_base64</c>); any other non-JSON type it would mangle into a string.</summary>
    public const string ContentType = "application/octet-stream";

    private static readonly JsonParser Json = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(true));

    public static byte[] Serialize(IMessage message) => message.ToByteArray();

    /// <summary>The message in <paramref name="data"/> (binary, or JSON when <paramref name="contentType"/> says so), or null when it is not one.</summary>
    public static T? Read<T>(ReadOnlySpan<byte> data, string? contentType, MessageParser<T> parser) where T : class, IMessage<T>, new()
    {
        try
        {
            return IsJson(contentType) ? Json.Parse<T>(System.Text.Encoding.UTF8.GetString(data)) : parser.ParseFrom(data);
        }
        catch (InvalidProtocolBufferException)
        {
            return null;
        }
    }

    /// <summary>A subscription request's body, as the CloudEvents middleware left it (the event's data, with its content type).</summary>
    public static async Task<T?> ReadAsync<T>(Microsoft.AspNetCore.Http.HttpRequest request, MessageParser<T> parser) where T : class, IMessage<T>, new()
    {
        using var body = new MemoryStream();
        await request.Body.CopyToAsync(body, request.HttpContext.RequestAborted);
        return Read(body.GetBuffer().AsSpan(0, (int)body.Length), request.ContentType, parser);
    }

    private static bool IsJson(string? contentType) =>
        contentType is not null && MediaTypeHeaderValue.TryParse(contentType, out var parsed)
        && (parsed.MediaType == "application/json" || parsed.MediaType?.EndsWith("+json", StringComparison.Ordinal) == true);
}
