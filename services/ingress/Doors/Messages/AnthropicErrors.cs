using System.Buffers;
using System.Text.Json;
using GenAiRouter.Ingress.Routing;
using GenAiRouter.Protocols.Canonical;

namespace GenAiRouter.Ingress.Doors.Messages;

/// <summary>
/// Errors in Anthropic's shape, <c>{"type": "error", "error": {"type", "message"}, "request_id"}</c>: the Messages
/// door's shape. Error types follow the status as Anthropic's API names them, so clients retry what they should.
/// </summary>
public static class AnthropicErrors
{
    public static Task WriteAsync(HttpContext http, RouterError error) =>
        ErrorResponse.WriteAsync(http, error, Body(error, http.Response.Headers["x-request-id"].ToString()));

    /// <summary>The error event that ends a stream already under way.</summary>
    public static byte[] StreamEvent(RouterError error)
    {
        var frame = new ArrayBufferWriter<byte>(256);
        JsonOutput.Frame(frame, "error", Body(error, requestId: null));
        return frame.WrittenSpan.ToArray();
    }

    public static byte[] Body(RouterError error, string? requestId)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(buffer, JsonOutput.Options))
        {
            json.WriteStartObject();
            json.WriteString("type", "error");
            json.WriteStartObject("error");
            json.WriteString("type", TypeOf(error.Status));
            json.WriteString("message", error.Message);
            json.WriteEndObject();
            if (!string.IsNullOrEmpty(requestId))
            {
                json.WriteString("request_id", requestId);
            }
            json.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    private static string TypeOf(int status) => status switch
    {
        401 => "authentication_error",
        403 => "permission_error",
        404 => "not_found_error",
        413 => "request_too_large",
        429 => "rate_limit_error",
        503 => "overloaded_error",
        504 => "timeout_error",
        >= 500 => "api_error",
        _ => "invalid_request_error",
    };
}
