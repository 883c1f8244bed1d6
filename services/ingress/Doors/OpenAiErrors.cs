using System.Text.Json;
using GenAiRouter.Ingress.Routing;

namespace GenAiRouter.Ingress.Doors;

/// <summary>Errors in OpenAI's shape, <c>{"error": {"message", "type", "param", "code"}}</c>: the Responses and Chat doors' shape.</summary>
public static class OpenAiErrors
{
    public static Task WriteAsync(HttpContext http, RouterError error) => ErrorResponse.WriteAsync(http, error, Body(error));

    public static byte[] Body(RouterError error)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        // API JSON, never HTML: apostrophes and quotes in messages stay readable.
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteStartObject("error");
            json.WriteString("message", error.Message);
            json.WriteString("type", error.Type);
            WriteStringOrNull(json, "param", error.Param);
            WriteStringOrNull(json, "code", error.Code);
            json.WriteEndObject();
            json.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>What a path the router does not serve gets, on the public listener.</summary>
    public static Task UnknownRoute(HttpContext http) =>
        WriteAsync(http, new RouterError(StatusCodes.Status404NotFound, "invalid_request_error", "unknown_url",
            $"Unknown request URL: {http.Request.Method} {Bounded(http.Request.Path.Value)}. This router serves the OpenAI API under /v1."));

    /// <summary>What <c>GET /v1/responses</c> (a WebSocket upgrade attempt) gets: a 426 that makes clients use HTTP now.</summary>
    public static Task WebSocketsNotServed(HttpContext http) =>
        WriteAsync(http, new RouterError(StatusCodes.Status426UpgradeRequired, "invalid_request_error", "websocket_not_supported",
            "This router serves the Responses API over HTTP only: POST /v1/responses (streaming with \"stream\": true)."));

    private static string Bounded(string? path) => path is { Length: > 200 } ? path[..200] + "..." : path ?? "/";

    private static void WriteStringOrNull(Utf8JsonWriter json, string name, string? value)
    {
        if (value is null)
        {
            json.WriteNull(name);
        }
        else
        {
            json.WriteString(name, value);
        }
    }
}
